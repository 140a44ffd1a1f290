/**
 * The file tools' helper, run inside the sandbox as `python3 -c FS_HELPER <op>` with its arguments as
 * JSON on stdin (no argv size limit). It resolves every path with symbolic links followed and refuses one that
 * ends outside /workspace, so the model gets a clear error; the container stays the security
 * boundary (a path the check lets through still only reaches the sandbox's own files). Answers one
 * JSON object on stdout: {"ok": ...} or {"error": "..."}.
 */
export const FS_HELPER = String.raw`
import base64, fnmatch, json, os, subprocess, sys
W = "/workspace"

def answer(obj):
    sys.stdout.write(json.dumps(obj))
    sys.exit(0)

def fail(msg):
    answer({"error": msg})

def shown(name):
    return json.dumps(name)[1:-1] if any(ord(c) < 32 or ord(c) == 127 for c in name) else name

def inside(p):
    return p == W or p.startswith(W + "/")

def resolve(p):
    full = os.path.normpath(os.path.join(W, p))
    if not inside(full):
        fail("the path %s is outside /workspace" % json.dumps(p))
    real = os.path.realpath(full)
    if not inside(real):
        fail("the path %s leads outside /workspace through a symbolic link" % json.dumps(p))
    return real

def rel(p):
    r = os.path.relpath(p, W)
    return "." if r == "." else r

def read(a):
    p = resolve(a["path"])
    if os.path.isdir(p):
        fail("%s is a directory; use list_files" % json.dumps(a["path"]))
    if not os.path.isfile(p):
        fail("no file %s" % json.dumps(a["path"]))
    with open(p, "rb") as f:
        if b"\0" in f.read(8192):
            fail("%s is a binary file" % json.dumps(a["path"]))
        f.seek(0)
        lines, used, n, more = [], 0, 0, False
        for raw in f:
            n += 1
            if n < a["offset"]:
                continue
            if len(lines) >= a["limit"] or used >= a["maxBytes"]:
                more = True
                break
            text = raw.decode("utf-8", "replace").rstrip("\n")
            if len(text) > 2000:
                text = text[:2000] + " [line cut at 2000 characters]"
            line = "%6d\t%s" % (n, text)
            used += len(line) + 1
            lines.append(line)
    answer({"ok": {"text": "\n".join(lines), "more": more, "first": a["offset"], "last": a["offset"] + len(lines) - 1}})

def write(a):
    p = resolve(a["path"])
    if os.path.isdir(p):
        fail("%s is a directory" % json.dumps(a["path"]))
    data = a["content"].encode("utf-8", "surrogateescape")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    answer({"ok": {"bytes": len(data), "path": rel(p)}})

def edit(a):
    p = resolve(a["path"])
    if not os.path.isfile(p):
        fail("no file %s" % json.dumps(a["path"]))
    with open(p, "r", encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    count = text.count(a["old"])
    if count == 0:
        fail("the text to replace was not found in %s (it must match exactly, whitespace included)" % json.dumps(a["path"]))
    if count > 1 and not a.get("all"):
        fail("the text to replace appears %d times in %s; include more context to make it unique, or set replaceAll" % (count, json.dumps(a["path"])))
    text = text.replace(a["old"], a["new"]) if a.get("all") else text.replace(a["old"], a["new"], 1)
    with open(p, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)
    answer({"ok": {"replaced": count if a.get("all") else 1, "path": rel(p)}})

def listing(a):
    root = resolve(a["path"])
    if not os.path.isdir(root):
        fail("%s is not a directory" % json.dumps(a["path"]))
    pattern, out, more = a.get("pattern"), [], False
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x != ".git")
        for name in sorted(files) + [x + "/" for x in dirs]:
            r = os.path.relpath(os.path.join(d, name), root)
            if pattern and not (fnmatch.fnmatchcase(r, pattern) or fnmatch.fnmatchcase(name.rstrip("/"), pattern)):
                continue
            if len(out) >= a["max"]:
                more = True
                break
            out.append(shown(r))
        if more or not a.get("recursive", True) and d == root:
            break
    answer({"ok": {"entries": out, "more": more}})

def grep(a):
    p = resolve(a["path"])
    argv = ["rg", "--line-number", "--no-heading", "--color", "never", "--max-columns", "300",
            "--max-count", str(a["maxPerFile"])]
    if a.get("ignoreCase"):
        argv.append("--ignore-case")
    if a.get("glob"):
        argv += ["--glob", a["glob"]]
    argv += ["--regexp", a["pattern"], "--", p]
    r = subprocess.run(argv, capture_output=True, cwd=W)
    if r.returncode > 1:
        fail("ripgrep: " + r.stderr.decode("utf-8", "replace")[:500])
    lines = r.stdout.decode("utf-8", "replace").splitlines()
    out = [shown(x[len(W) + 1:] if x.startswith(W + "/") else x) for x in lines[: a["max"]]]
    answer({"ok": {"matches": out, "more": len(lines) > a["max"]}})

def send(a):
    p = resolve(a["path"])
    if os.path.isdir(p):
        fail("%s is a directory; send one file at a time" % json.dumps(a["path"]))
    if not os.path.isfile(p):
        fail("no file %s" % json.dumps(a["path"]))
    size = os.path.getsize(p)
    if size > a["max"]:
        fail("%s is %d bytes; files up to %d bytes can be sent" % (json.dumps(a["path"]), size, a["max"]))
    with open(p, "rb") as f:
        data = f.read(a["max"] + 1)
    if len(data) > a["max"]:
        fail("%s grew past %d bytes while it was read" % (json.dumps(a["path"]), a["max"]))
    answer({"ok": {"size": len(data), "content": base64.b64encode(data).decode("ascii")}})

try:
    op, args = sys.argv[1], json.loads(sys.stdin.read())
    {"read": read, "write": write, "edit": edit, "list": listing, "grep": grep, "send": send}[op](args)
except SystemExit:
    raise
except PermissionError:
    fail("permission denied")
except OSError as e:
    fail(e.strerror or str(e))
`;
