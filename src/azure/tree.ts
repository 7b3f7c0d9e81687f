// The "Azure Storage" view: accounts → containers → virtual folders → blobs, paged 5,000 at a
// time with a "Load more" item, each blob with its size and modified time.
import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import type { Account, AzureAccounts } from './accounts';
import { formatSize, listContainers, listLevel, type BlobItem } from './blobs';
import { describeProblem, type Problem } from './errors';
import type { BlobHub } from './hub';

export type StorageNode =
  | { readonly kind: 'account'; readonly account: Account }
  | { readonly kind: 'container'; readonly account: Account; readonly container: string }
  | { readonly kind: 'folder'; readonly account: Account; readonly container: string; readonly prefix: string }
  | { readonly kind: 'blob'; readonly account: Account; readonly container: string; readonly blob: BlobItem }
  | { readonly kind: 'more'; readonly parent: StorageNode }
  | { readonly kind: 'message'; readonly text: string; readonly tooltip?: string; readonly command?: vscode.Command; readonly icon?: string };

interface Listing {
  readonly items: StorageNode[];
  next: string | undefined;
}

export function nodeKey(n: StorageNode): string {
  switch (n.kind) {
    case 'account':
      return `a:${n.account.id}`;
    case 'container':
      return `c:${n.account.id}/${n.container}`;
    case 'folder':
      return `f:${n.account.id}/${n.container}/${n.prefix}`;
    case 'blob':
      return `b:${n.account.id}/${n.container}/${n.blob.name}`;
    case 'more':
      return `m:${nodeKey(n.parent)}`;
    case 'message':
      return `x:${n.text}`;
  }
}

/** account / container / prefix: a node's place, for forgetting what was listed under it. */
function pathOf(n: StorageNode): string {
  switch (n.kind) {
    case 'account':
      return n.account.id;
    case 'container':
      return `${n.account.id}/${n.container}`;
    case 'folder':
      return `${n.account.id}/${n.container}/${n.prefix}`;
    default:
      return nodeKey(n);
  }
}

export interface PreviewChoice {
  readonly accountId: string;
  readonly container: string;
  /** A sign-in's apps get only this container (a user delegation SAS), not the token endpoint. */
  readonly containerOnly?: boolean;
}

export class StorageTree extends Disposable implements vscode.TreeDataProvider<StorageNode> {
  private readonly changed = this._register(new vscode.EventEmitter<StorageNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly listings = new Map<string, Listing>();
  constructor(
    private readonly accounts: AzureAccounts,
    private readonly hub: BlobHub,
    private readonly choice: () => PreviewChoice | undefined,
  ) {
    super();
    this._register(accounts.onDidChange(() => this.refresh()));
  }

  /** Forgets what was listed under a node (all of it without one) and redraws. */
  refresh(node?: StorageNode): void {
    if (!node) this.listings.clear();
    else {
      const p = pathOf(node);
      for (const k of [...this.listings.keys()]) if (k === p || k.startsWith(`${p}/`)) this.listings.delete(k);
    }
    this.changed.fire(node?.kind === 'account' || node?.kind === 'container' || node?.kind === 'folder' ? node : undefined);
  }

  getTreeItem(n: StorageNode): vscode.TreeItem {
    const choice = this.choice();
    switch (n.kind) {
      case 'account': {
        const item = new vscode.TreeItem(n.account.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = nodeKey(n);
        const chosen = choice?.accountId === n.account.id;
        item.description = `${n.account.description}${chosen ? ' · used for preview' : ''}`;
        item.tooltip = new vscode.MarkdownString(`**${n.account.target.accountName}**\n\n${n.account.target.blobEndpoint}`);
        item.iconPath = new vscode.ThemeIcon(n.account.emulator ? 'server-environment' : 'database');
        item.contextValue = n.account.source === 'attached' || n.account.source === 'emulator' ? 'account.attached' : 'account';
        return item;
      }
      case 'container': {
        const item = new vscode.TreeItem(n.container, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = nodeKey(n);
        const chosen = choice?.accountId === n.account.id && choice.container === n.container;
        item.description = chosen ? '● used for preview' : undefined;
        item.iconPath = new vscode.ThemeIcon(chosen ? 'pass-filled' : 'archive');
        item.contextValue = chosen ? 'container.preview' : 'container';
        return item;
      }
      case 'folder': {
        const name = n.prefix.slice(0, -1).split('/').pop() ?? n.prefix;
        const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = nodeKey(n);
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'folder';
        return item;
      }
      case 'blob': {
        const name = n.blob.name.split('/').pop() ?? n.blob.name;
        const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.None);
        item.id = nodeKey(n);
        const modified = n.blob.lastModified ? n.blob.lastModified.toLocaleString() : '';
        item.description = `${formatSize(n.blob.size)}${modified ? ` · ${modified}` : ''}`;
        item.tooltip = `${n.blob.name}\n${n.blob.size} bytes${modified ? `\nmodified ${modified}` : ''}${n.blob.contentType ? `\n${n.blob.contentType}` : ''}`;
        item.iconPath = vscode.ThemeIcon.File;
        item.resourceUri = vscode.Uri.parse(`dataapp-blob:/${encodeURIComponent(n.blob.name)}`);
        item.contextValue = 'blob';
        item.command = { command: 'dataAppPreview.azure.openBlob', title: 'Open', arguments: [n] };
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
        item.id = nodeKey(n);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.contextValue = 'more';
        item.command = { command: 'dataAppPreview.azure.loadMore', title: 'Load more', arguments: [n] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(n.text, vscode.TreeItemCollapsibleState.None);
        item.tooltip = n.tooltip ?? n.text;
        item.iconPath = new vscode.ThemeIcon(n.icon ?? 'warning');
        item.contextValue = 'message';
        if (n.command) item.command = n.command;
        return item;
      }
    }
  }

  async getChildren(parent?: StorageNode): Promise<StorageNode[]> {
    if (!parent) return this.roots();
    if (parent.kind === 'blob' || parent.kind === 'more' || parent.kind === 'message') return [];
    const key = pathOf(parent);
    let listing = this.listings.get(key);
    if (!listing) {
      try {
        listing = await this.fetch(parent, undefined);
      } catch (e) {
        return [this.problemNode(parent, e)];
      }
      this.listings.set(key, listing);
    }
    return listing.next ? [...listing.items, { kind: 'more', parent }] : listing.items;
  }

  /** The "Load more" item: fetches the next page of its parent and appends it. */
  async loadMore(more: StorageNode): Promise<void> {
    if (more.kind !== 'more') return;
    const key = pathOf(more.parent);
    const listing = this.listings.get(key);
    if (!listing?.next) return;
    const page = await this.fetch(more.parent, listing.next);
    listing.items.push(...page.items);
    listing.next = page.next;
    this.changed.fire(more.parent);
  }

  private async roots(): Promise<StorageNode[]> {
    const out: StorageNode[] = [];
    for (const kind of this.accounts.expired) {
      out.push({
        kind: 'message',
        text: 'Microsoft sign-in expired: sign in again',
        command: { command: 'dataAppPreview.azure.signInMicrosoft', title: 'Sign in' },
        icon: 'account',
        tooltip: `The ${kind} sign-in could not be restored without prompting.`,
      });
    }
    for (const a of await this.accounts.localAccounts()) out.push({ kind: 'account', account: a });
    for (const a of await this.accounts.signedInAccounts()) {
      if ('error' in a) {
        const p = describeProblem(a.error, { operation: 'list', accountName: 'your subscriptions', auth: 'token' });
        out.push({ kind: 'message', text: p.message, command: { command: 'dataAppPreview.azure.signIn', title: 'Sign in' } });
      } else out.push({ kind: 'account', account: a });
    }
    return out;
  }

  /** The shared client of an account (the same one the run hook uses). */
  client(account: Account) {
    return this.hub.client({ target: account.target, credential: account.credential });
  }

  private async fetch(parent: StorageNode, next: string | undefined): Promise<Listing> {
    switch (parent.kind) {
      case 'account': {
        const { account } = parent;
        if (account.target.container) {
          // A container SAS: that container only.
          return { items: [{ kind: 'container', account, container: account.target.container }], next: undefined };
        }
        const page = await listContainers(this.client(account), next);
        return { items: page.items.map((c) => ({ kind: 'container', account, container: c.name })), next: page.next };
      }
      case 'container':
      case 'folder': {
        const prefix = parent.kind === 'folder' ? parent.prefix : '';
        const level = await listLevel(this.client(parent.account).getContainerClient(parent.container), prefix, next);
        const { account, container } = parent;
        return {
          items: [
            ...level.folders.map((p): StorageNode => ({ kind: 'folder', account, container, prefix: p })),
            ...level.blobs.map((b): StorageNode => ({ kind: 'blob', account, container, blob: b })),
          ],
          next: level.next,
        };
      }
      default:
        return { items: [], next: undefined };
    }
  }

  problemFor(account: Account, e: unknown, operation: Parameters<typeof describeProblem>[1]['operation']): Problem {
    return describeProblem(e, {
      operation,
      accountName: account.target.accountName,
      auth: account.target.auth.kind,
      emulator: account.emulator,
      endpoint: account.target.blobEndpoint,
    });
  }

  private problemNode(parent: StorageNode, e: unknown): StorageNode {
    const account = 'account' in parent ? parent.account : undefined;
    if (!account) return { kind: 'message', text: String(e) };
    const p = this.problemFor(account, e, 'list');
    const command: vscode.Command | undefined =
      p.kind === 'emulator-down'
        ? { command: 'dataAppPreview.azure.startAzurite', title: 'Start Azurite' }
        : p.kind === 'signin-expired'
          ? { command: 'dataAppPreview.azure.signIn', title: 'Sign in' }
          : undefined;
    return { kind: 'message', text: p.message, ...(command ? { command } : {}), tooltip: p.message };
  }
}
