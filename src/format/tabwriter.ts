// Go's text/tabwriter as promtool configures it (`tabwriter.NewWriter(w, minwidth, 0, padding, ' ', 0)`):
// tab-terminated cells are aligned in columns; a column block is a run of consecutive lines that all have
// a cell in that column, and its width is the widest cell plus padding, at least minwidth. The text after
// a line's last tab is not part of any column. Widths count code points, as Go counts runes.

export interface TabwriterOptions {
  readonly minWidth: number;
  readonly padding: number;
}

interface Cell {
  readonly text: string;
  readonly width: number;
}

/** Aligns `text` (lines separated by "\n", cells terminated by "\t") as Go's tabwriter with flags 0 and padchar ' '. */
export function tabwriterFormat(text: string, options: TabwriterOptions): string {
  const raw = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lines: Cell[][] = raw.split('\n').map((line) =>
    line.split('\t').map((t) => ({ text: t, width: [...t].length })),
  );
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      let s = '';
      lines[i]!.forEach((cell, j) => {
        s += cell.text;
        if (j < widths.length) s += ' '.repeat(Math.max(0, widths[j]! - cell.width));
      });
      out.push(s + '\n');
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let width = options.minWidth;
      for (; i < line1; i++) {
        const line = lines[i]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column]!.width + options.padding);
      }
      widths.push(width);
      format(line0, i);
      widths.pop();
      line0 = i; // the loop's i++ then skips line i, which has no cell in this column anyway
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('');
}
