/**
 * The lineage graph: a backward and a forward trace merged into one
 * cytoscape graph, laid out left (sources) to right (products), with every lot
 * coloured by its display category.
 */
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import type { Trace, TraceNode } from '../../src/api-types';
import { type Category, CATEGORIES, CATEGORY_LABELS, categorize } from '../../src/status';

/** Fill colour per category (also used by the legend and checked by the browser tests). */
export const CATEGORY_COLORS: Record<Category, string> = {
  recalled: '#b71c1c',
  affected: '#e65100',
  on_hold: '#f9a825',
  failed: '#6a1b9a',
  passed: '#2e7d32',
  none: '#90a4ae',
};

/** Ring colour of a lot whose latest inspection failed (shown whatever its fill). */
export const FAILED_RING = '#6a1b9a';

/** One lot as the graph shows it. */
export interface GraphNode {
  id: string;
  category: Category;
  color: string;
  failedInspection: boolean;
  column: number;
  lot: TraceNode;
}

/** Merges a backward and a forward trace of the same root into positioned nodes and unique edges. */
export function mergeTraces(
  backward: Trace | undefined,
  forward: Trace | undefined,
): { nodes: GraphNode[]; edges: { from: string; to: string; label: string }[] } {
  const nodes = new Map<string, GraphNode>();
  const add = (n: TraceNode, column: number): void => {
    if (nodes.has(n.id)) return;
    const category = categorize(n);
    nodes.set(n.id, { id: n.id, category, color: CATEGORY_COLORS[category], failedInspection: n.latestVerdict === 'fail', column, lot: n });
  };
  for (const n of forward?.nodes ?? []) add(n, n.depth);
  for (const n of backward?.nodes ?? []) add(n, -n.depth);
  const edges = new Map<string, { from: string; to: string; label: string }>();
  for (const e of [...(backward?.edges ?? []), ...(forward?.edges ?? [])]) {
    edges.set(`${e.from}->${e.to}`, { from: e.from, to: e.to, label: `${e.quantity.amount} ${e.quantity.unit}` });
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

function shortLabel(node: GraphNode): string {
  const [msp, local] =
    node.id.includes(':') && !node.id.startsWith('urn:')
      ? [node.id.slice(0, node.id.indexOf(':')), node.id.slice(node.id.indexOf(':') + 1)]
      : ['', node.id];
  return `${local}\n${node.lot.product.name}\n${node.lot.custodian || msp}`;
}

function elements(nodes: GraphNode[], edges: { from: string; to: string; label: string }[], root: string): ElementDefinition[] {
  const rows = new Map<number, number>();
  const els: ElementDefinition[] = nodes
    .sort((a, b) => a.column - b.column || (a.id < b.id ? -1 : 1))
    .map((n) => {
      const row = rows.get(n.column) ?? 0;
      rows.set(n.column, row + 1);
      return {
        group: 'nodes' as const,
        data: {
          id: n.id,
          label: shortLabel(n),
          color: n.color,
          category: n.category,
          ring: n.failedInspection ? FAILED_RING : n.color,
          root: n.id === root ? 1 : 0,
        },
        position: { x: n.column * 250, y: row * 110 },
      };
    });
  for (const e of edges) els.push({ group: 'edges', data: { id: `${e.from}->${e.to}`, source: e.from, target: e.to, label: e.label } });
  return els;
}

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: 'node',
    style: {
      shape: 'round-rectangle',
      width: 190,
      height: 64,
      'background-color': 'data(color)',
      'border-width': 4,
      'border-color': 'data(ring)',
      label: 'data(label)',
      color: '#fff',
      'font-size': 11,
      'text-wrap': 'wrap',
      'text-max-width': '180px',
      'text-valign': 'center',
      'text-halign': 'center',
      'text-outline-width': 1,
      'text-outline-color': 'data(color)',
    },
  },
  { selector: 'node[root = 1]', style: { 'border-style': 'double', 'border-width': 8 } },
  { selector: 'node:selected', style: { 'overlay-color': '#1d3557', 'overlay-opacity': 0.25, 'overlay-padding': 6 } },
  {
    selector: 'edge',
    style: {
      width: 2,
      'line-color': '#90a4ae',
      'target-arrow-color': '#90a4ae',
      'target-arrow-shape': 'triangle',
      'curve-style': 'bezier',
      label: 'data(label)',
      'font-size': 10,
      color: '#455a64',
      'text-background-color': '#fff',
      'text-background-opacity': 1,
    },
  },
];

/** The cytoscape view of one trace. */
export class LineageGraph {
  readonly cy: Core;
  private nodes: GraphNode[] = [];

  constructor(container: HTMLElement, onSelect: (node: GraphNode) => void) {
    this.cy = cytoscape({ container, style: STYLE, layout: { name: 'preset' }, wheelSensitivity: 0.3, minZoom: 0.2, maxZoom: 2.5 });
    this.cy.on('tap', 'node', (event) => {
      const id = (event.target as cytoscape.NodeSingular).id();
      const node = this.nodes.find((n) => n.id === id);
      if (node) onSelect(node);
    });
  }

  /** Replaces the graph with a root's traces, keeping the selection. */
  show(root: string, backward: Trace | undefined, forward: Trace | undefined): GraphNode[] {
    const selected = this.cy.$('node:selected').map((n) => n.id());
    const merged = mergeTraces(backward, forward);
    this.nodes = merged.nodes;
    this.cy.elements().remove();
    this.cy.add(elements(merged.nodes, merged.edges, root));
    for (const id of selected) this.cy.getElementById(id).select();
    this.cy.fit(undefined, 30);
    return this.nodes;
  }

  /** The lots shown, with category and colour (what the browser tests assert). */
  snapshot(): { id: string; category: Category; color: string; rendered: string }[] {
    return this.nodes.map((n) => ({
      id: n.id,
      category: n.category,
      color: n.color,
      rendered: String(this.cy.getElementById(n.id).style('background-color')),
    }));
  }

  select(id: string): void {
    this.cy.$('node:selected').unselect();
    this.cy.getElementById(id).select();
  }
}

/** Legend items: category, label, colour, in order of urgency. */
export function legend(): { category: Category; label: string; color: string }[] {
  return CATEGORIES.map((c) => ({ category: c, label: CATEGORY_LABELS[c], color: CATEGORY_COLORS[c] }));
}
