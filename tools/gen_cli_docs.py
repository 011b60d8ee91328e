#!/usr/bin/env python3
"""Man pages and bash/zsh completion for the `vec2face` command, made from
its own --help output (help2man-style), so they cannot drift from it.

    gen_cli_docs.py PATH/TO/vec2face OUTDIR

runs `vec2face --help` (the subcommands: its "Commands:" list) and
`vec2face <command> --help` for each, and writes
    OUTDIR/man1/vec2face.1, OUTDIR/man1/vec2face-<command>.1
    OUTDIR/bash/vec2face        (share/bash-completion/completions/)
    OUTDIR/zsh/_vec2face        (share/zsh/site-functions/)
    OUTDIR/stamp

What it relies on in the help texts (true of every cmd_*.c): a first line
"Usage: ...", paragraphs separated by blank lines, section headings at
column 0 ending in ':', and items indented by 2-4 spaces: a term
("-o, --out FILE", "--pose-order cycle|sample", "generate"), then two or
more spaces and its description, continued on lines indented further.
A new flag in a --help text therefore appears in the page and the
completion at the next build. Standard library only.
"""
import os
import re
import shutil
import subprocess
import sys


def run_help(cli, args):
    env = dict(os.environ)
    # Sanitizer builds: a leak report at exit (libtorch's) must not fail
    # the build; the help text is all we want.
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    env.setdefault("OMP_WAIT_POLICY", "passive")  # no re-exec needed
    r = subprocess.run([cli] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, universal_newlines=True)
    if r.returncode != 0 or not r.stdout.startswith("Usage:"):
        sys.exit("gen_cli_docs: '%s %s' failed (status %d): %s"
                 % (cli, " ".join(args), r.returncode, r.stderr.strip()))
    return r.stdout


class Item:
    def __init__(self, term, desc):
        self.term = term      # "-o, --out FILE"
        self.desc = desc      # list of lines

    def flags(self):
        """(["-o", "--out"], "FILE") for an option item, else ([], None)."""
        words = self.term.split()
        flags, arg = [], None
        for i, w in enumerate(words):
            w = w.rstrip(",")
            if re.match(r"^--?[A-Za-z0-9?]", w) and arg is None:
                flags.append(w.split("=")[0])
            else:
                arg = " ".join(words[i:])
                break
        return (flags, arg) if flags else ([], None)


def parse(text):
    """-> (usage lines, blocks); a block is ("para", lines),
    ("heading", title) or ("items", [Item | str])."""
    lines = text.rstrip("\n").split("\n")
    usage = [lines[0][len("Usage:"):].strip()]
    i = 1
    while i < len(lines) and lines[i].strip().startswith("vec2face"):
        usage.append(lines[i].strip())
        i += 1
    blocks, chunk = [], []
    for line in lines[i:] + [""]:
        if line.strip():
            chunk.append(line.rstrip())
            continue
        if not chunk:
            continue
        # Runs of column-0 lines (a heading or a paragraph) and of
        # indented lines (items) alternate within a block.
        runs = []
        for l in chunk:
            indented = l.startswith(" ")
            if runs and runs[-1][0] == indented:
                runs[-1][1].append(l)
            else:
                runs.append((indented, [l]))
        for k, (indented, run) in enumerate(runs):
            if indented:
                blocks.append(("items", parse_items(run)))
            elif (len(run) == 1 and run[0].endswith(":") and k + 1 < len(runs)):
                blocks.append(("heading", run[0][:-1]))
            else:
                blocks.append(("para", run))
        chunk = []
    return usage, blocks


def parse_items(chunk):
    base = min(len(l) - len(l.lstrip()) for l in chunk)
    items = []
    for line in chunk:
        indent = len(line) - len(line.lstrip())
        body = line.strip()
        if indent > base and items and isinstance(items[-1], Item):
            items[-1].desc.append(body)
            continue
        if indent > base and items:   # continuation of a verbatim line
            items[-1] = Item(items[-1], [body])
            continue
        m = re.match(r"^(\S(?:.*?\S)?)(?: {2,}(.*))?$", body)
        term, desc = m.group(1), m.group(2)
        if desc is None and term.startswith("-"):
            # An option whose description follows after a single space
            # ("--filter-attempts N attempts per image"): the flags, then
            # one placeholder word (upper case, or a|b choices).
            m = re.match(r"^((?:--?[A-Za-z0-9?][-A-Za-z0-9]*,? )*--?[A-Za-z0-9?][-A-Za-z0-9]*"
                         r"(?: (?:[A-Z][A-Z0-9_.]*|[a-z0-9]+(?:\|[a-z0-9]+)+))?) (.*)$", term)
            if m:
                term, desc = m.group(1), m.group(2)
        items.append(Item(term, [desc]) if desc else term)
    # A term alone whose description follows on deeper lines was made an
    # Item above; a term alone without any is a verbatim line (an example).
    return items


# ---------------------------------------------------------------- roff
def esc(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return s


def roff_line(s):
    s = esc(s)
    return "\\&" + s if s[:1] in (".", "'") else s


def roff_term(item):
    flags, arg = item.flags()
    if not flags:
        return "\\fB%s\\fR" % esc(item.term)
    out = ", ".join("\\fB%s\\fR" % esc(f) for f in flags)
    if arg:
        out += " \\fI%s\\fR" % esc(arg)
    return out


def man_page(title, name_line, usage, blocks, see_also, version):
    out = ['.\\" Generated by tools/gen_cli_docs.py from `%s --help`; do not edit.'
           % title.lower().replace("-", " ", 1),
           '.TH %s 1 "" "vec2face %s" "User Commands"' % (esc(title.upper()), version),
           ".nh", ".ad l",
           ".SH NAME", roff_line(name_line),
           ".SH SYNOPSIS", ".nf"]
    out += [roff_line(u) for u in usage]
    out += [".fi", ".SH DESCRIPTION"]
    for kind, body in blocks:
        if kind == "heading":
            out.append('.SS "%s"' % esc(body).replace('"', "\\(dq"))
        elif kind == "para":
            out.append(".PP")
            out += [roff_line(l) for l in body]
        else:
            for it in body:
                if isinstance(it, Item):
                    out += [".TP", roff_term(it)]
                    out += [roff_line(l) for l in it.desc]
                else:
                    out += [".PP", ".nf", ".RS 4", roff_line(it), ".RE", ".fi"]
    out += [".SH SEE ALSO", ",\n".join("\\fB%s\\fR(1)" % esc(s) for s in see_also)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------- completion
def arg_kind(arg):
    """How to complete an option's argument, from its placeholder."""
    if arg is None:
        return ("none",)
    if re.match(r"^[a-z0-9]+(\|[a-z0-9]+)+$", arg):
        return ("words", arg.split("|"))
    if re.search(r"DIR|ROOT|DST|SRC", arg):
        return ("dirs",)
    m = re.search(r"\.([a-z0-9]+)$", arg)
    if m:
        return ("ext", m.group(1))
    if "FILE" in arg:
        return ("files",)
    return ("value",)      # a number, a list, a device: nothing to offer


def positional_kind(usage, opts):
    """How to complete positional arguments: from the usage lines'
    placeholders that are not an option's argument."""
    takes_arg = {f for flags, arg, _ in opts if arg for f in flags}
    kinds = set()
    for u in usage:
        prev_takes_arg = False
        for w in u.split()[2:]:
            w = w.strip("[]")
            if w.startswith("-"):
                prev_takes_arg = w.split("=")[0] in takes_arg
                continue
            if re.match(r"^[A-Z][A-Z_.]*$", w) and not prev_takes_arg:
                kinds.add(arg_kind(w.rstrip("."))[0])
            prev_takes_arg = False
    if "dirs" in kinds:
        return "dirs"
    return "files" if kinds else None


def options_of(blocks):
    opts = []
    for kind, body in blocks:
        if kind != "items":
            continue
        for it in body:
            if isinstance(it, Item):
                flags, arg = it.flags()
                if flags:
                    opts.append((flags, arg, " ".join(it.desc)))
    return opts


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def bash_completion(commands, top_opts, per_cmd):
    L = ["# bash completion for vec2face. Generated by tools/gen_cli_docs.py",
         "# from `vec2face --help` and `vec2face <command> --help`; do not edit.",
         "_vec2face_files() {  # $1: dirs | files | an extension",
         "    compopt -o filenames 2>/dev/null",
         '    case $1 in',
         '        dirs) COMPREPLY=($(compgen -d -- "$cur")) ;;',
         '        files) COMPREPLY=($(compgen -f -- "$cur")) ;;',
         '        *) COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X "!*.$1" -- "$cur")) ;;',
         "    esac",
         "}",
         "_vec2face() {",
         '    local cur=${COMP_WORDS[COMP_CWORD]} prev="" i=$((COMP_CWORD - 1))',
         '    [ "$i" -ge 1 ] && prev=${COMP_WORDS[i]}',
         "    # --opt=value: bash splits at '=' (COMP_WORDBREAKS)",
         '    if [ "$cur" = "=" ]; then cur=""; fi',
         '    if [ "$prev" = "=" ] && [ "$i" -ge 2 ]; then prev=${COMP_WORDS[i - 1]}; fi',
         '    if [ "$COMP_CWORD" -eq 1 ]; then',
         '        COMPREPLY=($(compgen -W %s -- "$cur"))'
         % sh_quote(" ".join(commands + top_opts)),
         "        return",
         "    fi",
         '    local opts="" pos=none',
         '    case ${COMP_WORDS[1]} in']
    for cmd in commands:
        opts, pos = per_cmd[cmd]
        words = [f for flags, _, _ in opts for f in flags]
        L.append("    %s)" % cmd)
        L.append("        opts=%s" % sh_quote(" ".join(words)))
        L.append('        case $prev in')
        for flags, arg, _ in opts:
            k = arg_kind(arg)
            if k[0] == "none":
                continue
            pat = "|".join(flags)
            if k[0] == "words":
                act = 'COMPREPLY=($(compgen -W %s -- "$cur"))' % sh_quote(" ".join(k[1]))
            elif k[0] == "dirs":
                act = "_vec2face_files dirs"
            elif k[0] == "files":
                act = "_vec2face_files files"
            elif k[0] == "ext":
                act = "_vec2face_files %s" % k[1]
            else:
                act = "COMPREPLY=()"
            L.append("            %s) %s; return ;;" % (pat, act))
        L.append("        esac")
        L.append("        pos=%s" % (pos or "none"))
        L.append("        ;;")
    L += ["    *) return ;;",
          "    esac",
          '    if [ "${cur#-}" != "$cur" ]; then',
          '        COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
          '    elif [ "$pos" != none ]; then',
          '        _vec2face_files "$pos"',
          "    fi",
          "}",
          "complete -F _vec2face vec2face",
          ""]
    return "\n".join(L)


def first_clause(s, limit=70):
    """The description up to its first '. ' or '; ' outside parentheses."""
    depth = 0
    for i, ch in enumerate(s):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif (depth == 0 and ch in ".;" and s[i + 1:i + 2] == " "
              and s[i - 1:i] != "." and s[i - 3:i] not in ("e.g", "i.e")):
            s = s[:i]
            break
    s = s.rstrip(".")
    return s if len(s) <= limit else s[:limit - 3].rstrip() + "..."


def zsh_bracket(s):
    """Text inside an _arguments '[...]' description (single-quoted)."""
    return s.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]") \
            .replace("'", "'\\''")


def zsh_msg(s):
    """Text between colons (a message, a _describe entry), single-quoted."""
    return s.replace("\\", "\\\\").replace(":", "\\:").replace("'", "'\\''")


def zsh_completion(commands, cmd_desc, top_opts, per_cmd):
    L = ["#compdef vec2face",
         "# zsh completion for vec2face. Generated by tools/gen_cli_docs.py",
         "# from `vec2face --help` and `vec2face <command> --help`; do not edit.",
         "_vec2face() {",
         "  local -a cmds",
         "  cmds=("]
    for c in commands:
        L.append("    '%s:%s'" % (c, zsh_msg(first_clause(cmd_desc[c]))))
    L += ["  )",
          "  if (( CURRENT == 2 )); then",
          "    if [[ $PREFIX == -* ]]; then",
          "      compadd -- %s" % " ".join(top_opts),
          "    else",
          "      _describe -t commands 'vec2face command' cmds",
          "    fi",
          "    return",
          "  fi",
          "  local cmd=$words[2]",
          "  shift words",
          "  (( CURRENT-- ))",
          "  case $cmd in"]
    for cmd in commands:
        opts, pos = per_cmd[cmd]
        L.append("    %s)" % cmd)
        L.append("      _arguments -s \\")
        for flags, arg, desc in opts:
            k = arg_kind(arg)
            if k[0] == "none":
                act = ""
            elif k[0] == "words":
                act = ":%s:(%s)" % (zsh_msg(arg), " ".join(k[1]))
            elif k[0] == "dirs":
                act = ":%s:_files -/" % zsh_msg(arg)
            elif k[0] == "ext":
                act = ":%s:_files -g \"*.%s\"" % (zsh_msg(arg), k[1])
            elif k[0] == "files":
                act = ":%s:_files" % zsh_msg(arg)
            else:
                act = ":%s: " % zsh_msg(arg)
            for f in flags:
                eq = "=" if arg is not None and f.startswith("--") else ""
                L.append("        '%s%s[%s]%s' \\" % (f, eq, zsh_bracket(first_clause(desc)), act))
        if pos == "dirs":
            L.append("        '*:folder:_files -/' \\")
        elif pos == "files":
            L.append("        '*:file:_files' \\")
        L[-1] = L[-1][:-2]
        L.append("      ;;")
    L += ["  esac", "}", "", '_vec2face "$@"', ""]
    return "\n".join(L)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen_cli_docs.py PATH/TO/vec2face OUTDIR")
    cli, outdir = sys.argv[1], sys.argv[2]
    top = run_help(cli, ["--help"])
    top_usage, top_blocks = parse(top)
    version = subprocess.run([cli, "--version"], stdout=subprocess.PIPE,
                             universal_newlines=True,
                             env=dict(os.environ, OMP_WAIT_POLICY="passive")
                             ).stdout.split()[-1]
    commands, cmd_desc = [], {}
    for i, (kind, body) in enumerate(top_blocks):
        if kind == "heading" and body == "Commands":
            # A command name is one word; its description may follow after
            # a single space ("sample-ids sample new ...").
            items = []
            for it in top_blocks[i + 1][1]:
                words = (it.term if isinstance(it, Item) else it).split(None, 1)
                desc = words[1:] + (it.desc if isinstance(it, Item) else [])
                items.append(Item(words[0], desc))
                commands.append(words[0])
                cmd_desc[words[0]] = " ".join(desc)
            top_blocks[i + 1] = ("items", items)
    if not commands:
        sys.exit("gen_cli_docs: no 'Commands:' list in `vec2face --help`")
    top_opts = [f for flags, _, _ in options_of(top_blocks) for f in flags]

    for sub in ("man1", "bash", "zsh"):
        shutil.rmtree(os.path.join(outdir, sub), ignore_errors=True)
        os.makedirs(os.path.join(outdir, sub))
    pages = ["vec2face"] + ["vec2face-" + c for c in commands]
    para = next(b for k, b in top_blocks if k == "para")
    summary = re.sub(r"\s*\(libvec2face [^)]*\)", "", " ".join(para)).rstrip(".")
    name_line = "vec2face - " + summary[0].lower() + summary[1:]
    with open(os.path.join(outdir, "man1", "vec2face.1"), "w") as f:
        f.write(man_page("vec2face", name_line, top_usage, top_blocks, pages[1:], version))
    per_cmd = {}
    for c in commands:
        usage, blocks = parse(run_help(cli, [c, "--help"]))
        opts = options_of(blocks)
        per_cmd[c] = (opts, positional_kind(usage, opts))
        see = [p for p in pages if p != "vec2face-" + c]
        with open(os.path.join(outdir, "man1", "vec2face-%s.1" % c), "w") as f:
            f.write(man_page("vec2face-" + c, "vec2face-%s - %s" % (c, cmd_desc[c]),
                             usage, blocks, see, version))
    with open(os.path.join(outdir, "bash", "vec2face"), "w") as f:
        f.write(bash_completion(commands, top_opts, per_cmd))
    with open(os.path.join(outdir, "zsh", "_vec2face"), "w") as f:
        f.write(zsh_completion(commands, cmd_desc, top_opts, per_cmd))
    with open(os.path.join(outdir, "stamp"), "w") as f:
        f.write("%s\n" % " ".join(pages))


if __name__ == "__main__":
    main()
