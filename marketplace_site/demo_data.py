"""Demo catalog for ``manage.py seed_demo``: realistic plugins, users and reviews."""

from typing import Any

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed by the run command; demo only
DEMO_USERS = {
    "author": {"username": "ada", "email": "ada@example.org", "role": "plugin author"},
    "user": {"username": "bob", "email": "bob@example.org", "role": "plain user"},
    "moderator": {"username": "mod", "email": "mod@example.org", "role": "moderator"},
    "author2": {"username": "grace", "email": "grace@example.org", "role": "plugin author"},
}

# currency-format as a library: money() for the plugins that import it, and a result of its
# own for "Try it". 1.1.0 groups thousands, so a plugin pinned to 1.0.0 prints differently
# after "Upgrade" (what the demo's Outdated and Upgrade pages show).
_MONEY = (
    "SYMBOLS = {{'EUR': '€', 'USD': '$', 'GBP': '£'}}\n\n"
    "def money(amount, currency='EUR'):\n"
    "    return SYMBOLS[currency] + format(float(amount), '{spec}')\n\n"
    "money(globals().get('amount', 1234.5), globals().get('currency', 'EUR'))"
)
CURRENCY_FORMAT = {"1.0.0": _MONEY.format(spec=".2f"), "1.1.0": _MONEY.format(spec=",.2f")}

# Entry points that differ from the plugin's by version: (name, version) -> source.
ENTRY_POINTS: dict[tuple[str, str], str] = {
    # The yanked text-utils 1.1.0 (YANKED below): it splits on tabs only, so a sentence is
    # one "word"; 1.2.0 splits on any whitespace again.
    ("text-utils", "1.1.0"): (
        "words = str(globals().get('text', 'hello world')).split('\\t')\n"
        "{'words': len(words), 'upper': ' '.join(words).upper()}"
    ),
    ("currency-format", "1.0.0"): CURRENCY_FORMAT["1.0.0"],
    # A dashboard that formats with currency-format and charts with chart-data.
    ("dashboard-kit", "1.0.0"): (
        "import chart_data\nimport currency_format\n\n"
        "sales = globals().get('sales', [120.0, 80.5, 310.25, 99.0, 1450.0])\n"
        "result = {\n"
        "    'total': currency_format.money(sum(sales), globals().get('currency', 'EUR')),\n"
        "    'histogram': chart_data.histogram(sales, 3),\n"
        "    'widgets': ['chart', 'table', 'kpi'],\n"
        "}"
    ),
}

# A demo installation made before currency-format 1.1.0 came out: (user key, plugin,
# version, the lock it pinned then). seed_demo pins it so "Outdated" has something to show.
INSTALLATIONS: list[tuple[str, str, str, dict[str, str]]] = [
    ("user", "invoice-total", "1.0.0", {"currency-format": "1.0.0"}),
]

# README files (Markdown, rendered safely on the plugin page) and per-version changelogs.
READMES: dict[str, str] = {
    "dashboard-kit": (
        "# dashboard-kit\n\n"
        "A sales dashboard built from other plugins: **currency-format** writes the total,\n"
        "**chart-data** bins the figures.\n\n"
        "## Context\n\n"
        "| key | meaning | default |\n|---|---|---|\n"
        "| `sales` | list of amounts | five sample sales |\n"
        "| `currency` | `EUR`, `USD` or `GBP` | `EUR` |\n\n"
        'Try it with `{"sales": [10, 20, 30], "currency": "USD"}`.'
    ),
    "currency-format": (
        "# currency-format\n\n"
        "`money(amount, currency='EUR')` as a library for other plugins, and a result of its\n"
        "own for *Try it*. Since 1.1.0 it groups thousands (`€1,234.50`)."
    ),
    "text-utils": (
        "# text-utils\n\nCounts the words of `text` and upper-cases them.\n\n"
        "Version 1.1.0 is yanked: use 1.2.0 or later."
    ),
}
CHANGELOGS: dict[tuple[str, str], str] = {
    ("currency-format", "1.1.0"): "- Group thousands: `€1,234.50` instead of `€1234.50`.",
    ("text-utils", "1.2.0"): "- Split on any whitespace again (1.1.0 split on tabs only).",
    ("text-utils", "1.1.0"): "- Split on tabs.",
    ("dashboard-kit", "1.0.0"): "- Totals with currency-format, histograms with chart-data.",
}
# Versions their owner yanked (PEP 592), with the reason shown beside them.
YANKED: list[tuple[str, str, str]] = [
    ("text-utils", "1.1.0", "Splits on tabs only, so most text counts as one word; use 1.2.0."),
]

# name, description, keywords, author, owner key, entry point, {version: dependencies}
_P = tuple[str, str, list[str], str, str, str, dict[str, dict[str, str]]]

PLUGINS: list[_P] = [
    (
        "text-utils",
        "Small helpers for cleaning and splitting text.",
        ["text", "strings"],
        "Ada Lovelace",
        "author",
        "words = str(globals().get('text', 'hello world')).split()\n{'words': len(words), 'upper': ' '.join(words).upper()}",
        {"0.9.0": {}, "1.0.0": {}, "1.1.0": {}, "1.2.0": {}, "2.0.0rc1": {}},
    ),
    (
        "csv-tools",
        "Parse CSV text and summarise its columns.",
        ["csv", "data", "parsing"],
        "Ada Lovelace",
        "author",
        "import csv, io\nrows = list(csv.reader(io.StringIO(globals().get('csv_text', 'a,b\\n1,2'))))\nresult = {'rows': len(rows) - 1, 'columns': rows[0] if rows else []}",
        {
            "1.0.0": {"text-utils": "^1.0.0"},
            "1.1.0": {"text-utils": "^1.1"},
            "1.2.0": {"text-utils": ">=1.1,<2"},
        },
    ),
    (
        "json-lens",
        "Query nested JSON with dotted paths.",
        ["json", "query", "data"],
        "Grace Hopper",
        "author2",
        "doc = globals().get('doc', {'a': {'b': 1}})\npath = globals().get('path', 'a.b').split('.')\nfor key in path:\n    doc = doc[key]\ndoc",
        {"0.1.0": {}, "0.2.0": {}, "1.0.0": {}},
    ),
    (
        "markdown-lite",
        "Render a safe subset of Markdown to HTML.",
        ["markdown", "html", "text"],
        "Ada Lovelace",
        "author",
        "import html\nsrc = globals().get('markdown', '# Title')\nlines = [('<h1>' + html.escape(l[2:]) + '</h1>') if l.startswith('# ') else '<p>' + html.escape(l) + '</p>' for l in src.splitlines()]\n'\\n'.join(lines)",
        {
            "1.0.0": {"text-utils": "~1.0"},
            "1.0.1": {"text-utils": "~1.0"},
            "1.1.0": {"text-utils": "^1.0"},
        },
    ),
    (
        "slugify",
        "Turn titles into URL slugs.",
        ["url", "text", "slug"],
        "Grace Hopper",
        "author2",
        "import re\ntitle = globals().get('title', 'Hello, World!')\nre.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')",
        {"1.0.0": {}, "1.0.1": {}, "2.0.0": {"text-utils": ">=1.0"}},
    ),
    (
        "date-math",
        "Add and subtract business days.",
        ["dates", "time", "calendar"],
        "Ada Lovelace",
        "author",
        "import datetime\nstart = datetime.date.fromisoformat(globals().get('start', '2026-01-05'))\ndays = int(globals().get('days', 3))\nd = start\nwhile days:\n    d += datetime.timedelta(days=1)\n    if d.weekday() < 5:\n        days -= 1\nd.isoformat()",
        {"1.0.0": {}, "1.1.0": {}, "1.2.0b1": {}},
    ),
    (
        "color-convert",
        "Convert colours between hex, RGB and HSL.",
        ["color", "design", "css"],
        "Grace Hopper",
        "author2",
        "h = globals().get('hex', '#3366cc').lstrip('#')\nresult = [int(h[i:i + 2], 16) for i in (0, 2, 4)]",
        {"1.0.0": {}, "1.1.0": {}, "1.2.0": {}, "1.3.0": {}},
    ),
    (
        "unit-convert",
        "Convert between metric and imperial units.",
        ["units", "math", "conversion"],
        "Ada Lovelace",
        "author",
        "factors = {'km': 0.621371, 'kg': 2.20462, 'l': 0.264172}\nunit = globals().get('unit', 'km')\nround(float(globals().get('value', 10)) * factors[unit], 3)",
        {"0.5.0": {}, "1.0.0": {}},
    ),
    (
        "stats-basic",
        "Mean, median, variance and percentiles.",
        ["statistics", "math", "data"],
        "Grace Hopper",
        "author2",
        "import statistics\nxs = globals().get('values', [1, 2, 3, 4])\n{'mean': statistics.mean(xs), 'median': statistics.median(xs), 'stdev': statistics.pstdev(xs)}",
        {"1.0.0": {}, "1.1.0": {}, "2.0.0": {}, "2.1.0": {}},
    ),
    (
        "chart-data",
        "Bucket numbers into histogram bins for charts.",
        ["charts", "data", "statistics"],
        "Grace Hopper",
        "author2",
        "def histogram(xs, bins=3):\n    lo, hi = min(xs), max(xs)\n    width = (hi - lo) / bins or 1\n    counts = [0] * bins\n    for x in xs:\n        counts[min(int((x - lo) / width), bins - 1)] += 1\n    return counts\n\nhistogram(globals().get('values', [1, 2, 2, 3, 9]), int(globals().get('bins', 3)))",
        {
            "1.0.0": {"stats-basic": ">=1.0,<2"},
            "1.1.0": {"stats-basic": "^2.0.0"},
            "1.2.0": {"stats-basic": "^2.1.0", "color-convert": "^1.2"},
        },
    ),
    (
        "email-validate",
        "Check the shape of e-mail addresses.",
        ["email", "validation"],
        "Ada Lovelace",
        "author",
        "import re\naddress = globals().get('email', 'ada@example.org')\nbool(re.fullmatch(r'[^@\\s]+@[^@\\s]+\\.[a-z]{2,}', address))",
        {"1.0.0": {}, "1.0.1": {}, "1.0.2": {}},
    ),
    (
        "password-strength",
        "Score passwords by length and variety.",
        ["security", "passwords", "validation"],
        "Grace Hopper",
        "author2",
        "pw = globals().get('password', 'hunter2')\nclasses = sum(any(f(c) for c in pw) for f in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum()))\nmin(4, len(pw) // 4 + classes - 1)",
        {"0.1.0": {}, "0.2.0": {}},
    ),
    (
        "form-validate",
        "Validate form fields against simple rules.",
        ["forms", "validation"],
        "Ada Lovelace",
        "author",
        "data = globals().get('data', {'email': 'ada@example.org'})\nresult = {k: bool(v) for k, v in data.items()}",
        {
            "1.0.0": {"email-validate": "^1.0.0"},
            "1.1.0": {"email-validate": "^1.0.1", "password-strength": ">=0.2"},
        },
    ),
    (
        "roman-numerals",
        "Convert integers to Roman numerals and back.",
        ["numbers", "conversion"],
        "Grace Hopper",
        "author2",
        "n = int(globals().get('number', 2026))\nout = ''\nfor v, s in ((1000,'M'),(900,'CM'),(500,'D'),(400,'CD'),(100,'C'),(90,'XC'),(50,'L'),(40,'XL'),(10,'X'),(9,'IX'),(5,'V'),(4,'IV'),(1,'I')):\n    while n >= v:\n        out += s\n        n -= v\nout",
        {"1.0.0": {}},
    ),
    (
        "word-count",
        "Count words and the most common ones.",
        ["text", "statistics"],
        "Ada Lovelace",
        "author",
        "from collections import Counter\ntext = globals().get('text', 'the cat and the hat')\nCounter(text.lower().split()).most_common(3)",
        {"1.0.0": {"text-utils": "^1.0"}, "1.1.0": {"text-utils": "^1.2"}},
    ),
    (
        "cron-parse",
        "Explain cron expressions in plain words.",
        ["cron", "scheduling", "time"],
        "Grace Hopper",
        "author2",
        "expr = globals().get('cron', '0 9 * * 1-5').split()\nnames = ['minute', 'hour', 'day', 'month', 'weekday']\ndict(zip(names, expr))",
        {"0.9.0": {}, "1.0.0": {"date-math": ">=1.0"}},
    ),
    (
        "url-parse",
        "Split URLs into their parts.",
        ["url", "parsing", "web"],
        "Ada Lovelace",
        "author",
        "from urllib.parse import urlsplit\nparts = urlsplit(globals().get('url', 'https://example.org/a?b=1'))\n{'scheme': parts.scheme, 'host': parts.hostname, 'path': parts.path, 'query': parts.query}",
        {"1.0.0": {}, "2.0.0": {}},
    ),
    (
        "html-sanitize",
        "Strip tags from HTML, keeping the text.",
        ["html", "security", "text"],
        "Grace Hopper",
        "author2",
        "import re, html\nsrc = globals().get('html', '<b>bold</b> & <i>it</i>')\nhtml.unescape(re.sub(r'<[^>]+>', '', src))",
        {"1.0.0": {}, "1.1.0": {"text-utils": ">=1.0"}},
    ),
    (
        "template-render",
        "Fill {placeholders} in text templates.",
        ["templates", "text"],
        "Ada Lovelace",
        "author",
        "template = globals().get('template', 'Hello, {name}!')\ntemplate.format(**globals().get('values', {'name': 'world'}))",
        {
            "1.0.0": {"text-utils": "^1.0", "html-sanitize": "^1.0"},
            "1.1.0": {"text-utils": "^1.1", "html-sanitize": "^1.1"},
        },
    ),
    (
        "geo-distance",
        "Great-circle distance between coordinates.",
        ["geo", "maps", "math"],
        "Grace Hopper",
        "author2",
        "from math import radians, sin, cos, asin, sqrt\na = globals().get('a', [52.52, 13.40])\nb = globals().get('b', [48.85, 2.35])\nla1, lo1, la2, lo2 = map(radians, a + b)\nh = sin((la2 - la1) / 2) ** 2 + cos(la1) * cos(la2) * sin((lo2 - lo1) / 2) ** 2\nround(2 * 6371 * asin(sqrt(h)), 1)",
        {"1.0.0": {}, "1.0.1": {}},
    ),
    (
        "currency-format",
        "Format amounts with currency symbols.",
        ["money", "formatting", "i18n"],
        "Ada Lovelace",
        "author",
        CURRENCY_FORMAT["1.1.0"],
        {"1.0.0": {}, "1.1.0": {"unit-convert": ">=0.5"}},
    ),
    (
        "image-meta",
        "Read width and height from PNG headers.",
        ["images", "png", "metadata"],
        "Grace Hopper",
        "author2",
        "import base64, struct\nraw = base64.b64decode(globals().get('png_base64', 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='))\nw, h = struct.unpack('>II', raw[16:24])\n{'width': w, 'height': h}",
        {"0.1.0": {}, "0.2.0": {}, "1.0.0a1": {}},
    ),
    (
        "diff-lines",
        "Show a unified diff of two texts.",
        ["diff", "text", "compare"],
        "Ada Lovelace",
        "author",
        "import difflib\na = globals().get('a', 'one\\ntwo').splitlines()\nb = globals().get('b', 'one\\nthree').splitlines()\nlist(difflib.unified_diff(a, b, lineterm=''))",
        {"1.0.0": {}, "1.1.0": {"text-utils": "^1.0"}},
    ),
    (
        "sql-format",
        "Upper-case SQL keywords and break lines.",
        ["sql", "formatting", "databases"],
        "Grace Hopper",
        "author2",
        "import re\nsql = globals().get('sql', 'select a from t where b = 1')\nre.sub(r'\\b(select|from|where|and|or|order by|group by)\\b', lambda m: '\\n' + m.group(1).upper(), sql).strip()",
        {"0.1.0": {}, "0.2.0": {"text-utils": ">=1.0"}},
    ),
    (
        "log-parse",
        "Parse common web server log lines.",
        ["logs", "parsing", "web"],
        "Ada Lovelace",
        "author",
        "import re\nline = globals().get('line', '127.0.0.1 - - [10/Oct/2026:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 2326')\nm = re.match(r'(\\S+) \\S+ \\S+ \\[([^]]+)\\] \"(\\S+) (\\S+) [^\"]+\" (\\d+) (\\d+)', line)\ndict(zip(['ip', 'time', 'method', 'path', 'status', 'bytes'], m.groups()))",
        {"1.0.0": {"url-parse": ">=1.0"}, "1.1.0": {"url-parse": "^2.0.0"}},
    ),
    (
        "rate-limit",
        "Token bucket arithmetic for rate limits.",
        ["rate-limit", "web", "throttling"],
        "Grace Hopper",
        "author2",
        "capacity, rate = 10, 2.0\ntokens = min(capacity, float(globals().get('tokens', 3)) + rate * float(globals().get('elapsed', 2.5)))\n{'tokens': tokens, 'allowed': tokens >= 1}",
        {"1.0.0": {}},
    ),
    (
        "matrix-ops",
        "Multiply and transpose small matrices.",
        ["math", "matrix", "linear-algebra"],
        "Ada Lovelace",
        "author",
        "a = globals().get('a', [[1, 2], [3, 4]])\nb = globals().get('b', [[5, 6], [7, 8]])\n[[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a]",
        {"1.0.0": {}, "1.1.0": {}, "2.0.0b2": {}},
    ),
    (
        "prime-tools",
        "Primality tests and prime factorisation.",
        ["math", "primes", "numbers"],
        "Grace Hopper",
        "author2",
        "n = int(globals().get('number', 360))\nfactors, d = [], 2\nwhile d * d <= n:\n    while n % d == 0:\n        factors.append(d)\n        n //= d\n    d += 1\nif n > 1:\n    factors.append(n)\nfactors",
        {"1.0.0": {}, "1.0.1": {}},
    ),
    (
        "fuzzy-match",
        "Rank strings by similarity to a query.",
        ["search", "text", "fuzzy"],
        "Ada Lovelace",
        "author",
        "import difflib\nq = globals().get('query', 'apple')\nchoices = globals().get('choices', ['apply', 'ample', 'maple', 'pear'])\ndifflib.get_close_matches(q, choices, n=3)",
        {"1.0.0": {"text-utils": "^1.0"}, "1.1.0": {"text-utils": "^1.0", "word-count": ">=1.0"}},
    ),
    (
        "yaml-lite",
        "Read flat key: value configuration text.",
        ["config", "parsing", "yaml"],
        "Grace Hopper",
        "author2",
        "text = globals().get('yaml', 'name: demo\\nport: 8000')\ndict(line.split(': ', 1) for line in text.splitlines() if ': ' in line)",
        {"0.1.0": {}, "0.2.0": {}, "0.3.0": {}},
    ),
    (
        "feature-flags",
        "Decide feature flags by user percentage.",
        ["flags", "config", "rollout"],
        "Ada Lovelace",
        "author",
        "import hashlib\nuser = globals().get('user', 'ada')\npercent = int(globals().get('percent', 30))\nint(hashlib.sha256(user.encode()).hexdigest(), 16) % 100 < percent",
        {"1.0.0": {"yaml-lite": ">=0.2"}, "1.1.0": {"yaml-lite": "^0.3.0"}},
    ),
    (
        "i18n-plural",
        "Choose plural forms for several languages.",
        ["i18n", "text", "translation"],
        "Grace Hopper",
        "author2",
        "n = int(globals().get('count', 3))\nlang = globals().get('lang', 'en')\nforms = {'en': ['item', 'items'], 'de': ['Artikel', 'Artikel'], 'fr': ['article', 'articles']}[lang]\nf'{n} ' + (forms[0] if n == 1 else forms[1])",
        {"1.0.0": {}, "1.1.0": {"text-utils": "~1.1"}},
    ),
    (
        "semver-bump",
        "Bump major, minor or patch of a version.",
        ["versions", "release", "semver"],
        "Ada Lovelace",
        "author",
        "major, minor, patch = map(int, globals().get('version', '1.4.2').split('.'))\npart = globals().get('part', 'minor')\n{'major': f'{major + 1}.0.0', 'minor': f'{major}.{minor + 1}.0', 'patch': f'{major}.{minor}.{patch + 1}'}[part]",
        {"1.0.0": {}, "1.0.1": {}, "1.1.0": {}},
    ),
    (
        "changelog-gen",
        "Group commit messages into a changelog.",
        ["release", "changelog", "git"],
        "Grace Hopper",
        "author2",
        "commits = globals().get('commits', ['feat: search', 'fix: typo', 'feat: api'])\ngroups = {}\nfor c in commits:\n    kind, _, msg = c.partition(': ')\n    groups.setdefault(kind, []).append(msg)\ngroups",
        {
            "1.0.0": {"semver-bump": "^1.0"},
            "1.1.0": {"semver-bump": "^1.1", "markdown-lite": "^1.0"},
        },
    ),
    (
        "qr-text",
        "Encode short text as a QR-style bit grid (demo).",
        ["qr", "images", "encoding"],
        "Ada Lovelace",
        "author",
        "text = globals().get('text', 'hi')\n[[(ord(c) >> b) & 1 for b in range(8)] for c in text]",
        {"0.1.0": {}},
    ),
    (
        "checksum",
        "CRC32, MD5 and SHA-256 of text.",
        ["hashing", "security", "checksum"],
        "Grace Hopper",
        "author2",
        "import hashlib, zlib\ndata = globals().get('text', 'hello').encode()\n{'crc32': zlib.crc32(data), 'sha256': hashlib.sha256(data).hexdigest()}",
        {"1.0.0": {}, "1.1.0": {}},
    ),
    (
        "invoice-total",
        "Totals, tax and discounts for invoice lines.",
        ["money", "invoices", "business"],
        "Ada Lovelace",
        "author",
        "import currency_format\nlines = globals().get('lines', [{'qty': 2, 'price': 9.5}, {'qty': 1, 'price': 20}])\nsubtotal = sum(l['qty'] * l['price'] for l in lines)\ntax = round(subtotal * float(globals().get('tax_rate', 0.2)), 2)\n{'subtotal': currency_format.money(subtotal), 'tax': currency_format.money(tax), 'total': currency_format.money(subtotal + tax)}",
        {
            "1.0.0": {"currency-format": "^1.0"},
            "1.1.0": {"currency-format": "^1.1", "stats-basic": ">=2"},
        },
    ),
    (
        "report-builder",
        "Build a summary report from records (needs an old stats API).",
        ["reports", "data", "business"],
        "Grace Hopper",
        "author2",
        "records = globals().get('records', [1, 2, 3])\n{'count': len(records), 'total': sum(records)}",
        # Unsatisfiable on purpose: chart-data 1.2 needs stats-basic ^2.1, this needs stats-basic <2.
        {"1.0.0": {"chart-data": "^1.2.0", "stats-basic": "<2"}},
    ),
    (
        "ping-pong",
        "Half of a demo circular pair: depends on pong-ping.",
        ["demo", "cycles"],
        "Ada Lovelace",
        "author",
        "'ping'",
        {"1.0.0": {"pong-ping": "^1.0"}},
    ),
    (
        "pong-ping",
        "Other half of the demo circular pair: depends on ping-pong.",
        ["demo", "cycles"],
        "Ada Lovelace",
        "author",
        "'pong'",
        {"1.0.0": {"ping-pong": "^1.0"}},
    ),
    (
        "dashboard-kit",
        "Everything for a small dashboard: charts, stats and formatting.",
        ["dashboard", "charts", "data"],
        "Grace Hopper",
        "author2",
        "result = {'widgets': ['chart', 'table', 'kpi']}",  # 0.9.0; 1.0.0 in ENTRY_POINTS
        {
            "0.9.0": {"chart-data": "^1.1"},
            "1.0.0": {"chart-data": "^1.2", "currency-format": "^1.1", "template-render": "^1.0"},
        },
    ),
    (
        "sleepy",
        "A deliberately slow plugin that shows the sandbox timeout.",
        ["demo", "timeout"],
        "Ada Lovelace",
        "author",
        "import time\ntime.sleep(5)\n'woke up'",
        {"1.0.0": {}},
    ),
]

REVIEWS: list[tuple[str, str, int, str]] = [
    ("csv-tools", "bob", 5, "Parsed our exports on the first try. The column summary is handy."),
    ("csv-tools", "grace", 4, "Solid. Would like delimiter detection."),
    ("text-utils", "bob", 4, "Does what it says."),
    ("json-lens", "ada", 5, "Dotted paths are exactly what I needed."),
    ("json-lens", "bob", 3, "Fine, but errors on a missing key are terse."),
    ("chart-data", "ada", 4, "Nice bins; the version 1.2 dependency bump caught me out."),
    ("markdown-lite", "grace", 2, "Only headings and paragraphs so far."),
    ("slugify", "bob", 5, "Tiny and correct."),
    ("stats-basic", "ada", 5, "Trustworthy numbers."),
    ("email-validate", "bob", 1, "BUY CHEAP WATCHES AT spam.example !!!"),
    ("geo-distance", "ada", 4, "Accurate enough for our maps."),
    ("dashboard-kit", "bob", 4, "Pulls in a lot, but the tree view made it clear what."),
]


def manifest_dicts() -> list[tuple[str, dict[str, Any]]]:
    """(owner key, manifest dict) for every demo version, oldest first."""
    out: list[tuple[str, dict[str, Any]]] = []
    for name, description, keywords, author, owner, entry_point, versions in PLUGINS:
        for version, dependencies in versions.items():
            out.append(
                (
                    owner,
                    {
                        "name": name,
                        "version": version,
                        "description": description,
                        "keywords": keywords,
                        "author": author,
                        "license": "MIT" if len(name) % 2 else "Apache-2.0",
                        "homepage": f"https://plugins.example.org/{name}",
                        "entry_point": ENTRY_POINTS.get((name, version), entry_point),
                        "dependencies": dependencies,
                        "readme": READMES.get(name, ""),
                        "changelog": CHANGELOGS.get((name, version), ""),
                    },
                )
            )
    return out
