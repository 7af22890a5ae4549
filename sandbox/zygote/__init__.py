"""The sandbox zygote: a warm, isolated process that forks one confined child per plugin run.

``sandbox.client`` starts it as ``python -I -S -B sandbox/zygote/__main__.py <socket fd>
<parent pid>``. It enters its namespaces once, replaces its root with a read-only view of
the Python standard library, and then serves: each run is a fresh ``fork()`` that confines
itself and executes one request. Standard library only, and everything imported before the
root is replaced.

- ``linux``: the kernel interfaces (constants, ctypes structs, checked libc wrappers);
- ``confinement``: the layers, prepared once and applied by each child;
- ``protocol``: one run inside its child (request in, result document out);
- ``server``: forking, handing over and reaping the children;
- ``preload``: the modules runs find already imported.
"""
