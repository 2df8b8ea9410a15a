import * as Y from "yjs";

/** A 500-cell notebook with outputs (streams, HTML tables, images, errors, markdown with math). */
export function makeNotebook(cells = 500): { cells: any[]; metadata: any; nbformat: 4; nbformat_minor: 5 } {
  const png =
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAYAAADED76LAAAAKklEQVR4nGNkYPhfz0AEYBxVSFUKGIlRBNIxqpCqFBClaFQhVSlgJEYRAL4wC/8ZcK2UAAAAAElFTkSuQmCC";
  const out: any[] = [];
  for (let i = 0; i < cells; i++) {
    const id = `cell-${i.toString().padStart(4, "0")}`;
    if (i % 5 === 0) {
      out.push({
        id,
        cell_type: "markdown",
        metadata: {},
        source: `## Step ${i / 5}\n\nWe fit the model with learning rate $\\eta = 10^{-${(i % 4) + 2}}$ and report the loss $\\mathcal{L}(\\theta)$.\n\n- item one\n- item two`,
      });
      continue;
    }
    const outputs: any[] = [
      {
        output_type: "stream",
        name: "stdout",
        text: Array.from({ length: 8 }, (_, k) => `epoch ${k}: loss=${(1 / (k + i + 1)).toFixed(5)}\n`),
      },
    ];
    if (i % 10 === 3) {
      const rows = Array.from(
        { length: 10 },
        (_, r) =>
          `<tr><th>${r}</th>${Array.from({ length: 5 }, (_, c) => `<td>${(r * c + i) / 7}</td>`).join("")}</tr>`,
      ).join("");
      outputs.push({
        output_type: "execute_result",
        execution_count: i,
        metadata: {},
        data: {
          "text/html": `<table class="dataframe"><thead><tr><th></th><th>a</th><th>b</th><th>c</th><th>d</th><th>e</th></tr></thead><tbody>${rows}</tbody></table>`,
          "text/plain": "DataFrame",
        },
      });
    }
    if (i % 25 === 7)
      outputs.push({ output_type: "display_data", metadata: {}, data: { "image/png": png, "text/plain": "<Figure>" } });
    if (i % 50 === 11) {
      outputs.push({
        output_type: "error",
        ename: "ValueError",
        evalue: "bad shape",
        traceback: [
          "\u001b[0;31m---------------------------------------------------------------------------\u001b[0m",
          "\u001b[0;31mValueError\u001b[0m: bad shape",
        ],
      });
    }
    out.push({
      id,
      cell_type: "code",
      metadata: {},
      execution_count: i,
      source: `import numpy as np\nx = np.linspace(0, ${i}, 100)\ny = np.sin(x) * ${i}\nfor epoch in range(8):\n    print(f"epoch {epoch}: loss={1/(epoch+${i}+1):.5f}")`,
      outputs,
    });
  }
  return {
    cells: out,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** The same notebook as a Yjs document in the @jupyter/ydoc schema. */
export function toYDoc(nb: ReturnType<typeof makeNotebook>): Y.Doc {
  const doc = new Y.Doc();
  const cells = doc.getArray<Y.Map<any>>("cells");
  doc.transact(() => {
    const meta = doc.getMap<any>("meta");
    meta.set("nbformat", 4);
    meta.set("nbformat_minor", 5);
    meta.set("metadata", nb.metadata);
    cells.insert(
      0,
      nb.cells.map((c) => {
        const m = new Y.Map<any>();
        m.set("id", c.id);
        m.set("cell_type", c.cell_type);
        m.set("source", new Y.Text(c.source));
        m.set("metadata", new Y.Map());
        if (c.cell_type === "code") {
          m.set("execution_count", c.execution_count);
          const outs = new Y.Array<Y.Map<any>>();
          outs.insert(
            0,
            c.outputs.map((o: any) => {
              const om = new Y.Map<any>();
              for (const [k, v] of Object.entries(o))
                om.set(k, k === "text" ? new Y.Text((v as string[]).join("")) : v);
              return om;
            }),
          );
          m.set("outputs", outs);
        }
        return m;
      }),
    );
  });
  return doc;
}
