/**
 * The lineage graph: a backward and a forward trace merged into one
 * cytoscape graph, laid out left (sources) to right (products), with every lot
 * coloured by its display category. A big trace collapses into one node per
 * depth or per holding organisation (coloured by its most urgent lot), and a
 * search within the trace highlights the matching lots or groups.
 */
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import type { Trace, TraceNode } from '../../src/api-types';
import { type Category, CATEGORIES, categorize } from '../../src/status';
import { type Collapse, groupKey, groupRows, type TraceGroup, type TraceRow, traceRow } from '../../src/trace-view';

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
  { selector: 'node[group = 1]', style: { width: 230, height: 80, 'font-size': 13, 'font-weight': 'bold' } },
  { selector: 'node.match', style: { 'overlay-color': '#0277bd', 'overlay-opacity': 0.35, 'overlay-padding': 10 } },
  { selector: 'node.faded', style: { opacity: 0.25 } },
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

/** The rows of merged nodes (for the table, the summary and the groups). */
export function rowsOf(nodes: readonly GraphNode[]): TraceRow[] {
  return nodes.map((n) => traceRow(n.lot, n.column));
}

function groupElements(
  groups: TraceGroup[],
  rows: TraceRow[],
  edges: { from: string; to: string }[],
  collapse: Exclude<Collapse, 'none'>,
  label: (group: TraceGroup) => string,
): ElementDefinition[] {
  const keyOf = new Map(rows.map((r) => [r.id, groupKey(r, collapse)]));
  const els: ElementDefinition[] = groups.map((g, i) => ({
    group: 'nodes' as const,
    data: {
      id: g.key,
      label: label(g),
      color: CATEGORY_COLORS[g.category],
      ring: CATEGORY_COLORS[g.category],
      category: g.category,
      group: 1,
    },
    position: collapse === 'depth' ? { x: (g.depth ?? 0) * 280, y: 0 } : { x: (i % 4) * 300, y: Math.floor(i / 4) * 160 },
  }));
  const links = new Map<string, number>();
  for (const e of edges) {
    const from = keyOf.get(e.from);
    const to = keyOf.get(e.to);
    if (from === undefined || to === undefined || from === to) continue;
    links.set(`${from}->${to}`, (links.get(`${from}->${to}`) ?? 0) + 1);
  }
  for (const [id, count] of links) {
    const [source = '', target = ''] = id.split('->');
    els.push({ group: 'edges', data: { id, source, target, label: `× ${count}` } });
  }
  return els;
}

/** How the graph talks back: a lot clicked, or a collapsed group clicked. */
export interface GraphCallbacks {
  onSelect(node: GraphNode): void;
  onGroup(group: TraceGroup): void;
  /** The text of a group node ("depth 3 · 256 lots"), in the user's language. */
  groupLabel(group: TraceGroup): string;
}

/** The cytoscape view of one trace. */
export class LineageGraph {
  readonly cy: Core;
  private nodes: GraphNode[] = [];
  private edges: { from: string; to: string; label: string }[] = [];
  private root = '';
  private groups: TraceGroup[] = [];
  private collapse: Collapse = 'none';
  private readonly callbacks: GraphCallbacks;

  constructor(container: HTMLElement, callbacks: GraphCallbacks) {
    this.callbacks = callbacks;
    this.cy = cytoscape({ container, style: STYLE, layout: { name: 'preset' }, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 2.5 });
    this.cy.on('tap', 'node', (event) => {
      const id = (event.target as cytoscape.NodeSingular).id();
      const group = this.groups.find((g) => g.key === id);
      if (group !== undefined) {
        this.callbacks.onGroup(group);
        return;
      }
      const node = this.nodes.find((n) => n.id === id);
      if (node) this.callbacks.onSelect(node);
    });
  }

  /** Replaces the graph with a root's traces, keeping the selection; `collapse` groups a big trace. */
  show(root: string, backward: Trace | undefined, forward: Trace | undefined, collapse: Collapse = 'none'): GraphNode[] {
    const merged = mergeTraces(backward, forward);
    this.nodes = merged.nodes;
    this.edges = merged.edges;
    this.root = root;
    this.draw(collapse);
    return this.nodes;
  }

  /** Redraws the current trace, collapsed by depth or organisation, or with every lot. */
  draw(collapse: Collapse): void {
    const selected = this.cy.$('node:selected').map((n) => n.id());
    this.collapse = collapse;
    const rows = rowsOf(this.nodes);
    this.groups = collapse === 'none' ? [] : groupRows(rows, collapse);
    this.cy.batch(() => {
      this.cy.elements().remove();
      this.cy.add(
        collapse === 'none'
          ? elements([...this.nodes], this.edges, this.root)
          : groupElements(this.groups, rows, this.edges, collapse, (g) => this.callbacks.groupLabel(g)),
      );
      for (const id of selected) this.cy.getElementById(id).select();
    });
    this.cy.fit(undefined, 30);
  }

  /** Highlights the lots (or the groups holding them) whose ids are given; fades the rest. No ids: no highlight. */
  highlight(ids: ReadonlySet<string> | undefined): void {
    const keys =
      ids === undefined || this.collapse === 'none'
        ? ids
        : new Set(
            rowsOf(this.nodes)
              .filter((r) => ids.has(r.id))
              .map((r) => groupKey(r, this.collapse as Exclude<Collapse, 'none'>)),
          );
    this.cy.batch(() => {
      this.cy.nodes().removeClass('match faded');
      if (keys === undefined) return;
      this.cy.nodes().forEach((n) => {
        n.addClass(keys.has(n.id()) ? 'match' : 'faded');
      });
    });
  }

  /** The lots shown, with category and colour (what the browser tests assert); `rendered` is empty while collapsed. */
  snapshot(): { id: string; category: Category; color: string; rendered: string }[] {
    return this.nodes.map((n) => {
      const element = this.cy.getElementById(n.id);
      return { id: n.id, category: n.category, color: n.color, rendered: element.empty() ? '' : String(element.style('background-color')) };
    });
  }

  /** What the graph draws now: its mode and how many nodes and edges. */
  drawn(): { collapse: Collapse; nodes: number; edges: number } {
    return { collapse: this.collapse, nodes: this.cy.nodes().length, edges: this.cy.edges().length };
  }

  select(id: string): void {
    this.cy.$('node:selected').unselect();
    this.cy.getElementById(id).select();
  }
}

/** Legend items: category, label, colour, in order of urgency. */
export function legend(label: (category: Category) => string): { category: Category; label: string; color: string }[] {
  return CATEGORIES.map((c) => ({ category: c, label: label(c), color: CATEGORY_COLORS[c] }));
}
