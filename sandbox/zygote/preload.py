"""Modules imported up front, so runs find them loaded (and fast) after the root is replaced."""

import base64
import bisect
import collections
import copy
import dataclasses
import datetime
import decimal
import enum
import fractions
import functools
import hashlib
import heapq
import itertools
import math
import operator
import random
import re
import statistics
import string
import textwrap
import typing
import unicodedata

PRELOADED = (
    base64, bisect, collections, copy, dataclasses, datetime, decimal, enum, fractions,
    functools, hashlib, heapq, itertools, math, operator, random, re, statistics, string,
    textwrap, typing, unicodedata,
)  # fmt: skip
