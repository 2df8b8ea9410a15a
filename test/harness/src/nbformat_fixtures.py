"""Notebook fixtures made with Python's nbformat, and what nbformat itself reads from them.

`python nbformat_fixtures.py make` prints a JSON list of fixtures: each has the file's `name`, its
`text` as nbformat writes it, and either `read` (the notebook as nbformat reads it, upgraded to 4.5
as `nbformat.v4.upgrade` does, with `generated_ids` true where nbformat made up the cell ids) or
`error` (nbformat's validator's message for an invalid one).

`python nbformat_fixtures.py check` reads a JSON list of notebooks on stdin and prints, for each,
nbformat's validation error (or null) and whether writing and reading it back with nbformat gives
the same notebook (less what nbformat's writer drops as transient).
"""

import copy
import json
import sys

import nbformat
from nbformat import v3, v4, validator
from nbformat.v4.rwbase import strip_transient

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mZeroDivisionError\x1b[0m                         Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[2], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m \x1b[38;5;241m1\x1b[39m\x1b[38;5;241m/\x1b[39m\x1b[38;5;241m0\x1b[39m\n",
    "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero",
]


def full_v4():
    """Every cell and output kind nbformat 4.5 has, with metadata nbformat knows and custom metadata."""
    return v4.new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python", "version": "3.12.3", "codemirror_mode": {"name": "ipython", "version": 3}},
            "custom": {"team": "ml", "nested": [1, 2, {"deep": True}]},
        },
        cells=[
            v4.new_markdown_cell(
                "# Title\n\nSome *markdown* with an image ![dot](attachment:dot.png)",
                attachments={"dot.png": {"image/png": PNG}},
            ),
            v4.new_code_cell(
                "import sys\nprint('out')\nprint('err', file=sys.stderr)\n1 + 1",
                execution_count=1,
                metadata={"collapsed": False, "scrolled": True, "tags": ["parameters"], "jupyter": {"source_hidden": False}},
                outputs=[
                    v4.new_output("stream", name="stdout", text="out\n"),
                    v4.new_output("stream", name="stderr", text="err\n"),
                    v4.new_output(
                        "execute_result",
                        execution_count=1,
                        data={"text/plain": "2", "text/html": "<b>2</b>\n<i>two</i>", "application/json": {"a": [1, 2]}},
                        metadata={"isolated": True},
                    ),
                ],
            ),
            v4.new_code_cell(
                "1/0",
                execution_count=2,
                outputs=[v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=TRACEBACK)],
            ),
            v4.new_code_cell(
                "display(img)",
                outputs=[
                    v4.new_output(
                        "display_data",
                        data={"image/png": PNG, "text/plain": "<Figure size 1x1>"},
                        metadata={"image/png": {"width": 1, "height": 1}},
                    )
                ],
            ),
            v4.new_code_cell(""),
            v4.new_raw_cell("raw \\LaTeX", metadata={"format": "text/latex"}),
        ],
    )


def with_minor(nb, minor, keep_ids):
    nb = copy.deepcopy(nb)
    nb.nbformat_minor = minor
    if not keep_ids:
        for cell in nb.cells:
            cell.pop("id", None)
    return nb


def many_tracebacks():
    cells = [
        v4.new_code_cell(
            f"raise ValueError({i})",
            execution_count=i + 1,
            outputs=[v4.new_output("error", ename="ValueError", evalue=str(i), traceback=TRACEBACK[:2] + [f"ValueError: {i}"])],
        )
        for i in range(20)
    ]
    return v4.new_notebook(cells=cells)


def full_v3():
    """nbformat 3: a worksheet, headings, pyout/pyerr, v3's short output keys."""
    cells = [
        v3.new_heading_cell("A heading", level=2),
        v3.new_text_cell("markdown", source="Some **text**"),
        v3.new_code_cell(
            input="x = 2\nx",
            prompt_number=1,
            outputs=[
                v3.new_output("stream", stream="stdout", output_text="hello\n"),
                v3.new_output("pyout", output_text="2", output_html="<b>2</b>", prompt_number=1),
                v3.new_output("display_data", output_png=PNG, output_text="<image>"),
                v3.new_output("pyerr", ename="NameError", evalue="name 'y' is not defined", traceback=TRACEBACK[:2]),
            ],
            collapsed=False,
        ),
        v3.new_text_cell("raw", source="raw text"),
    ]
    return v3.new_notebook(name="old", worksheets=[v3.new_worksheet(cells=cells)], metadata=v3.new_metadata(name="old"))


def invalid_fixtures():
    """Invalid 4.5 notebooks, each with one problem, and the field a reader must name."""
    base = v4.new_notebook(cells=[v4.new_code_cell("a = 1"), v4.new_markdown_cell("b")])
    missing_source = copy.deepcopy(base)
    del missing_source.cells[0]["source"]
    bad_id = copy.deepcopy(base)
    bad_id.cells[0].id = "not a valid id!"
    dup_id = copy.deepcopy(base)
    dup_id.cells[0].id = "dup"
    dup_id.cells[1].id = "dup"
    bad_meta = copy.deepcopy(base)
    bad_meta.cells[0].metadata.collapsed = "yes"
    return {
        "invalid_missing_source.ipynb": missing_source,
        "invalid_cell_id.ipynb": bad_id,
        "invalid_unique_cell_id.ipynb": dup_id,
        "invalid_metadata.ipynb": bad_meta,
    }


def problem(nb):
    """nbformat's first complaint about a notebook, or None when its validator accepts it.

    `isvalid` (unlike `validate`) neither repairs duplicate ids nor changes the notebook.
    """
    if validator.isvalid(nb):
        return None
    for error in validator.iter_validate(nb):
        return error.message
    ids = [cell.get("id") for cell in nb.get("cells", [])]
    duplicate = next(i for n, i in enumerate(ids) if i is not None and i in ids[:n])
    return f"Non-unique cell id {duplicate!r} detected."


def read_as_45(text):
    """The notebook as nbformat reads it, upgraded to 4.5 (cell ids made up where the file has none)."""
    original_version = nbformat.reads(text, as_version=nbformat.NO_CONVERT).nbformat
    nb = nbformat.reads(text, as_version=4)
    # nbformat gives every cell a new random id when it upgrades from v3 or from 4.0-4.4.
    generated = original_version == 3 or nb.nbformat_minor < 5
    if nb.nbformat_minor < 5:
        nb = v4.upgrade(nb, from_version=4, from_minor=nb.nbformat_minor)
    return nb, generated


def make():
    full = full_v4()
    valid = {
        "full_v4_5.ipynb": (full, 4),
        "no_ids_v4_4.ipynb": (with_minor(full, 4, keep_ids=False), 4),
        "ids_in_v4_4.ipynb": (with_minor(full, 4, keep_ids=True), 4),
        "v4_0.ipynb": (with_minor(full, 0, keep_ids=False), 4),
        "many_tracebacks.ipynb": (many_tracebacks(), 4),
        "empty.ipynb": (v4.new_notebook(), 4),
        "v3.ipynb": (full_v3(), 3),
    }
    out = []
    for name, (nb, version) in valid.items():
        text = nbformat.writes(nb, version=version)
        read, generated = read_as_45(text)
        nbformat.validate(read)
        out.append({"name": name, "text": text, "read": read, "generated_ids": generated})
    for name, nb in invalid_fixtures().items():
        message = problem(nb)
        if message is None:
            raise SystemExit(f"{name} should be invalid")
        # Written as JSON, not with nbformat.writes (which validates, and would refuse it).
        out.append({"name": name, "text": json.dumps(nb, indent=1), "error": message})
    json.dump(out, sys.stdout)


def check():
    results = []
    for nb in json.load(sys.stdin):
        node = nbformat.from_dict(nb)
        error = problem(node)
        again = nbformat.reads(nbformat.writes(node), as_version=nbformat.NO_CONVERT)
        # nbformat's writer drops what it calls transient (orig_nbformat, a cell's `trusted`) on purpose.
        results.append({"error": error, "round_trip_equal": again == strip_transient(copy.deepcopy(node))})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    {"make": make, "check": check}[sys.argv[1]]()
