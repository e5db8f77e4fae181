#!/usr/bin/env python3
"""The largest items of a wasm module that keeps its function names: functions
(by code size) and data segments, for `make size` when the first download is
over its budget. Reads the split's first module before wasm-opt
(`app_split.wasm`), whose names say where the bytes come from."""

import re
import sys


def leb(data, i):
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def sections(data):
    i = 8
    while i < len(data):
        kind = data[i]
        size, i = leb(data, i + 1)
        yield kind, data[i:i + size]
        i += size


def imported_functions(body):
    count, i = leb(body, 0)
    functions = 0
    for _ in range(count):
        for _ in range(2):  # module and field names
            length, i = leb(body, i)
            i += length
        kind = body[i]
        i += 1
        if kind == 0:  # function: a type index
            _, i = leb(body, i)
            functions += 1
        elif kind == 1:  # table: element type, limits
            i += 1
            flags, i = leb(body, i + 0)
            _, i = leb(body, i)
            if flags & 1:
                _, i = leb(body, i)
        elif kind == 2:  # memory: limits
            flags, i = leb(body, i)
            _, i = leb(body, i)
            if flags & 1:
                _, i = leb(body, i)
        elif kind == 3:  # global: type, mutability
            i += 2
        else:  # tag
            i += 1
            _, i = leb(body, i)
    return functions


def function_names(body):
    i = 0
    while i < len(body):
        sub = body[i]
        size, i = leb(body, i + 1)
        if sub == 1:
            names = {}
            count, j = leb(body, i)
            for _ in range(count):
                index, j = leb(body, j)
                length, j = leb(body, j)
                names[index] = body[j:j + length].decode("utf-8", "replace")
                j += length
            return names
        i += size
    return {}


LEGACY = {"$LT$": "<", "$GT$": ">", "$u20$": " ", "$RF$": "&", "$C$": ",", "$BP$": "*",
          "$LP$": "(", "$RP$": ")", "$u7b$": "{", "$u7d$": "}", "$u5b$": "[", "$u5d$": "]",
          "$u27$": "'", "$u3b$": ";", "$u2b$": "+", "$u3d$": "="}


def v0_readable(name):
    """The identifiers of a v0-mangled name (crate hashes dropped)."""
    text, idents, i = re.sub(r"Cs[0-9A-Za-z]+_", "", name), [], 0
    while i < len(text):
        number = re.match(r"\d+", text[i:])
        if number and (i == 0 or not text[i - 1].isdigit()):
            start = i + len(number.group())
            ident = text[start:start + int(number.group())]
            if re.fullmatch(r"_?[A-Za-z][A-Za-z0-9_]*", ident) and len(ident) == int(number.group()):
                idents.append(ident.lstrip("_"))
                i = start + len(ident)
                continue
        i += 1
    return "::".join(idents) or name


def readable(name):
    """Rust's legacy mangling made readable (v0 names keep their identifiers)."""
    match = re.match(r"_ZN(.*)E$", name.split(" ")[0])
    if not match:
        return v0_readable(name)
    parts, rest = [], match.group(1)
    while rest and rest[0].isdigit():
        length = int(re.match(r"\d+", rest).group())
        digits = len(str(length))
        parts.append(rest[digits:digits + length])
        rest = rest[digits + length:]
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    text = "::".join(parts).replace("..", "::")
    for code, char in LEGACY.items():
        text = text.replace(code, char)
    return text.replace("_<", "<").replace("_{{", "{{")


def main(path, count):
    data = open(path, "rb").read()
    imports, names, sizes, segments = 0, {}, [], []
    for kind, body in sections(data):
        if kind == 2:
            imports = imported_functions(body)
        elif kind == 10:
            n, i = leb(body, 0)
            for index in range(n):
                size, i = leb(body, i)
                sizes.append((size, imports + index))
                i += size
        elif kind == 11:
            n, i = leb(body, 0)
            for index in range(n):
                flags, i = leb(body, i)
                if flags in (0, 2):
                    if flags == 2:
                        _, i = leb(body, i)
                    while body[i] != 0x0B:  # the offset expression
                        i += 1
                    i += 1
                size, i = leb(body, i)
                segments.append((size, f"data segment {index}"))
                i += size
        elif kind == 0 and body[:5] == b"\x04name":
            names = function_names(body[5:])
    code_total = sum(size for size, _ in sizes)
    data_total = sum(size for size, _ in segments)
    print(f"  first module before wasm-opt: code {code_total} B in {len(sizes)} functions, data {data_total} B")
    items = [(size, readable(names.get(index, f"function {index}"))) for size, index in sizes] + segments
    for size, name in sorted(items, reverse=True)[:count]:
        print(f"  {size:>8}  {name[:150]}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20)
