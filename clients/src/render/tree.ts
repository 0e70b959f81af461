/**
 * Renders a trace as an indented tree of text lines (pure: no I/O).
 * Lineage is a graph, not a tree: a lot reached twice is printed in full the
 * first time and as a reference (`^ see above`) afterwards, so the output
 * stays finite and every edge is shown.
 */
import type { Trace, TraceNode } from '../api-types';
import { categorize } from '../status';
import { categoryName, tr } from './language';

export interface TreeOptions {
  /** Draw with ASCII (`|-`, `` `- ``) instead of box-drawing characters. */
  ascii?: boolean;
}

function describeNode(node: TraceNode | undefined, id: string): string {
  if (!node) return tr('tree.notReturned', { id });
  const category = categorize(node);
  const flags = category === 'none' ? '' : `  [${categoryName(category).toUpperCase()}]`;
  return tr('tree.node', {
    id,
    name: node.product.name,
    qty: `${node.quantity.amount} ${node.quantity.unit}`,
    custodian: node.custodian,
    flags,
  });
}

/** The lots next to `id` in the trace's direction, in edge order, each with the edge's quantity. */
function neighbours(trace: Trace, id: string): { id: string; label: string }[] {
  return trace.edges
    .filter((e) => (trace.direction === 'forward' ? e.from === id : e.to === id))
    .map((e) => ({
      id: trace.direction === 'forward' ? e.to : e.from,
      label: `${e.quantity.amount} ${e.quantity.unit}`,
    }));
}

/** Lines of the tree, root first. */
export function renderTree(trace: Trace, options: TreeOptions = {}): string[] {
  const glyph = options.ascii
    ? { branch: '|- ', last: '`- ', pipe: '|  ', space: '   ' }
    : { branch: '├─ ', last: '└─ ', pipe: '│  ', space: '   ' };
  const byId = new Map(trace.nodes.map((n) => [n.id, n]));
  const printed = new Set<string>();
  const usage = (q: string): string => tr(trace.direction === 'forward' ? 'tree.took' : 'tree.consumed', { qty: q });
  const lines = [describeNode(byId.get(trace.root), trace.root)];
  printed.add(trace.root);

  const visit = (id: string, prefix: string): void => {
    const next = neighbours(trace, id);
    next.forEach((n, i) => {
      const last = i === next.length - 1;
      const head = `${prefix}${last ? glyph.last : glyph.branch}`;
      if (printed.has(n.id)) {
        lines.push(`${head}${n.id}  ${usage(n.label)}  ${tr('tree.seeAbove')}`);
        return;
      }
      printed.add(n.id);
      lines.push(`${head}${describeNode(byId.get(n.id), n.id)}  ${usage(n.label)}`);
      visit(n.id, `${prefix}${last ? glyph.space : glyph.pipe}`);
    });
  };
  visit(trace.root, '');
  if (trace.truncated) {
    lines.push(tr('tree.truncated', { depth: trace.maxDepth, maxNodes: trace.maxNodes }));
  }
  return lines;
}
