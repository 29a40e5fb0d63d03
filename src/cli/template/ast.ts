// Parse tree node types and their source-like rendering (used in errors).

export interface Pos {
  pos: number;
}
export interface ListNode extends Pos {
  kind: 'list';
  nodes: Node[];
}
export interface TextNode extends Pos {
  kind: 'text';
  text: string;
}
export interface ActionNode extends Pos {
  kind: 'action';
  pipe: PipeNode;
}
export interface BranchNode extends Pos {
  kind: 'if' | 'with' | 'range';
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface TemplateNode extends Pos {
  kind: 'template';
  name: string;
  pipe: PipeNode | null;
}
export interface SimpleNode extends Pos {
  kind: 'break' | 'continue' | 'end' | 'else';
}
export type Node = ListNode | TextNode | ActionNode | BranchNode | TemplateNode | SimpleNode;

export interface PipeNode extends Pos {
  kind: 'pipe';
  decl: VariableNode[];
  isAssign: boolean;
  cmds: CommandNode[];
}
export interface CommandNode extends Pos {
  kind: 'command';
  args: Arg[];
}
export interface FieldNode extends Pos {
  kind: 'field';
  ident: string[];
}
export interface VariableNode extends Pos {
  kind: 'variable';
  ident: string[];
}
export interface ChainNode extends Pos {
  kind: 'chain';
  node: Arg;
  fields: string[];
}
export interface IdentifierNode extends Pos {
  kind: 'identifier';
  name: string;
}
export interface LiteralNode extends Pos {
  kind: 'dot' | 'nil' | 'bool' | 'number' | 'string';
  /** source text */
  text: string;
  value: unknown;
}
export type Arg = FieldNode | VariableNode | ChainNode | IdentifierNode | LiteralNode | PipeNode;

export type AnyNode = Node | Arg | CommandNode;

export function nodeString(n: AnyNode): string {
  switch (n.kind) {
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'text':
      return n.text;
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'with':
    case 'range': {
      const els = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.kind} ${nodeString(n.pipe)}}}${nodeString(n.list)}${els}{{end}}`;
    }
    case 'template':
      return `{{template ${JSON.stringify(n.name)}${n.pipe ? ' ' + nodeString(n.pipe) : ''}}}`;
    case 'break':
    case 'continue':
    case 'end':
    case 'else':
      return `{{${n.kind}}}`;
    case 'pipe': {
      const decl = n.decl.length ? n.decl.map(nodeString).join(', ') + (n.isAssign ? ' = ' : ' := ') : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.kind === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'field':
      return n.ident.map((i) => '.' + i).join('');
    case 'variable':
      return n.ident.join('.');
    case 'chain': {
      const base = n.node.kind === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return base + n.fields.map((f) => '.' + f).join('');
    }
    case 'identifier':
      return n.name;
    default:
      return n.text;
  }
}
