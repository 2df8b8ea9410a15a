export class NotebookBusyError extends Error {}

export class KernelDeadError extends Error {
  constructor() {
    super("The notebook's kernel is dead: restart it to run cells again");
  }
}

export class NoKernelError extends Error {
  constructor() {
    super("The notebook has no running kernel");
  }
}

export class UnknownCellError extends Error {}
