// What the blob explorer does, without the UI: paged listing of containers and of one
// "folder" level (delimiter "/"), uploads that never leave a partial blob, downloads that
// never leave a half-written file, deletes, reading a text blob. No `vscode` import.
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';

export const PAGE_SIZE = 5000;

export interface ContainerItem {
  readonly name: string;
  readonly lastModified?: Date | undefined;
}

export interface BlobItem {
  readonly name: string;
  readonly size: number;
  readonly lastModified?: Date | undefined;
  readonly contentType?: string | undefined;
}

export interface Page<T> {
  readonly items: T[];
  /** Continuation token for the next page; undefined on the last page. */
  readonly next: string | undefined;
}

export interface Level {
  /** Virtual folders, as full prefixes ending in "/". */
  readonly folders: string[];
  readonly blobs: BlobItem[];
  readonly next: string | undefined;
}

export async function listContainers(client: BlobServiceClient, next?: string, pageSize = PAGE_SIZE, abortSignal?: AbortSignal): Promise<Page<ContainerItem>> {
  const iter = client.listContainers({ abortSignal }).byPage({ maxPageSize: pageSize, ...(next ? { continuationToken: next } : {}) });
  const r = await iter.next();
  if (r.done) return { items: [], next: undefined };
  const page = r.value;
  return {
    items: (page.containerItems ?? []).map((c) => ({ name: c.name, lastModified: c.properties.lastModified })),
    next: page.continuationToken || undefined,
  };
}

/** One level under `prefix` ("" or "a/b/"): folders and blobs, one page of at most `pageSize` entries. */
export async function listLevel(container: ContainerClient, prefix: string, next?: string, pageSize = PAGE_SIZE, abortSignal?: AbortSignal): Promise<Level> {
  const iter = container.listBlobsByHierarchy('/', { prefix, abortSignal }).byPage({ maxPageSize: pageSize, ...(next ? { continuationToken: next } : {}) });
  const r = await iter.next();
  if (r.done) return { folders: [], blobs: [], next: undefined };
  const page = r.value;
  return {
    folders: (page.segment.blobPrefixes ?? []).map((p) => p.name),
    blobs: page.segment.blobItems.map((b) => ({
      name: b.name,
      size: b.properties.contentLength ?? 0,
      lastModified: b.properties.lastModified,
      contentType: b.properties.contentType,
    })),
    next: page.continuationToken || undefined,
  };
}

export interface TransferProgress {
  readonly bytes: number;
  readonly totalBytes: number;
  readonly file?: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.parquet': 'application/vnd.apache.parquet',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.py': 'text/x-python',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
};

/**
 * Uploads a stream as a block blob. Blocks are staged and the blob appears only when the
 * block list is committed at the end, so a failed or cancelled upload leaves no partial blob
 * (and an existing blob of that name unchanged).
 */
export async function uploadStream(
  container: ContainerClient,
  blobName: string,
  stream: Readable,
  opts: { contentType?: string | undefined; onProgress?: (bytes: number) => void; abortSignal?: AbortSignal | undefined } = {},
): Promise<void> {
  const blob = container.getBlockBlobClient(blobName);
  // The SDK stops sending on abort but keeps reading the stream: stop the source as well.
  const onAbort = () => stream.destroy(Object.assign(new Error('The upload was cancelled.'), { name: 'AbortError' }));
  if (opts.abortSignal?.aborted) onAbort();
  opts.abortSignal?.addEventListener('abort', onAbort, { once: true });
  try {
    await blob.uploadStream(stream, 4 * 1024 * 1024, 4, {
      abortSignal: opts.abortSignal,
      onProgress: (p) => opts.onProgress?.(p.loadedBytes),
      blobHTTPHeaders: { blobContentType: opts.contentType ?? 'application/octet-stream' },
    });
  } finally {
    opts.abortSignal?.removeEventListener('abort', onAbort);
  }
}

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Uploads one local file; the size is checked against what was sent. */
export async function uploadFile(container: ContainerClient, file: string, blobName: string, onProgress?: (bytes: number) => void, abortSignal?: AbortSignal): Promise<number> {
  const size = (await fs.promises.stat(file)).size;
  await uploadStream(container, blobName, fs.createReadStream(file), { contentType: contentTypeFor(file), onProgress, abortSignal });
  return size;
}

/** The files under a folder (no symlinks followed), as [absolute path, relative posix path]. */
export async function filesUnder(dir: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.promises.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push([p, path.relative(dir, p).split(path.sep).join('/')]);
    }
  };
  await walk(dir);
  return out.sort((a, b) => a[1].localeCompare(b[1]));
}

export interface FolderUploadResult {
  readonly uploaded: string[];
  readonly failed: Array<{ readonly name: string; readonly error: unknown }>;
  readonly bytes: number;
}

/** Uploads a folder under `prefix`, a few files at a time; each blob is whole or absent. */
export async function uploadFolder(
  container: ContainerClient,
  dir: string,
  prefix: string,
  onProgress?: (p: TransferProgress) => void,
  abortSignal?: AbortSignal,
  concurrency = 4,
): Promise<FolderUploadResult> {
  const files = await filesUnder(dir);
  const sizes = await Promise.all(files.map(async ([f]) => (await fs.promises.stat(f)).size));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const progress = new Array<number>(files.length).fill(0);
  const uploaded: string[] = [];
  const failed: Array<{ name: string; error: unknown }> = [];
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < files.length && !abortSignal?.aborted) {
      const i = nextIndex++;
      const [file, rel] = files[i]!;
      const name = `${prefix}${rel}`;
      try {
        await uploadFile(
          container,
          file,
          name,
          (b) => {
            progress[i] = b;
            onProgress?.({ bytes: progress.reduce((a, x) => a + x, 0), totalBytes, file: rel });
          },
          abortSignal,
        );
        progress[i] = sizes[i]!;
        uploaded.push(name);
      } catch (error) {
        failed.push({ name, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(files.length, 1)) }, worker));
  return { uploaded, failed, bytes: totalBytes };
}

/** Downloads to `dest` through a temporary file renamed at the end: never a half-written file. */
export async function downloadBlob(container: ContainerClient, blobName: string, dest: string, onProgress?: (bytes: number) => void, abortSignal?: AbortSignal): Promise<number> {
  const tmp = `${dest}.part-${process.pid}-${Date.now()}`;
  try {
    const res = await container.getBlobClient(blobName).download(0, undefined, { abortSignal, onProgress: (p) => onProgress?.(p.loadedBytes) });
    const body = res.readableStreamBody;
    if (!body) throw new Error('The download has no body.');
    await new Promise<void>((resolve, reject) => {
      const out = fs.createWriteStream(tmp, { flags: 'wx' });
      body.on('error', reject);
      out.on('error', reject);
      out.on('finish', () => resolve());
      body.pipe(out);
    });
    const size = (await fs.promises.stat(tmp)).size;
    if (res.contentLength !== undefined && size !== res.contentLength) throw new Error(`The download was cut short (${size} of ${res.contentLength} bytes).`);
    await fs.promises.rename(tmp, dest);
    return size;
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
}

/** Deletes every blob under a prefix (a virtual folder); returns how many. */
export async function deletePrefix(container: ContainerClient, prefix: string, abortSignal?: AbortSignal): Promise<number> {
  let n = 0;
  for await (const b of container.listBlobsFlat({ prefix, abortSignal })) {
    await container.deleteBlob(b.name, { deleteSnapshots: 'include', abortSignal });
    n++;
  }
  return n;
}

export const MAX_TEXT_BYTES = 10 * 1024 * 1024;

export class NotTextError extends Error {
  override readonly name = 'NotTextError';
}

/** Reads a blob as UTF-8 text; refuses big or binary blobs with a clear message. */
export async function readText(container: ContainerClient, blobName: string, abortSignal?: AbortSignal): Promise<string> {
  const client = container.getBlobClient(blobName);
  const props = await client.getProperties({ abortSignal });
  const size = props.contentLength ?? 0;
  if (size > MAX_TEXT_BYTES) throw new NotTextError(`${blobName} is ${(size / 1024 / 1024).toFixed(1)} MB; only blobs up to 10 MB open in the editor. Download it instead.`);
  const buf = await client.downloadToBuffer(0, undefined, { abortSignal });
  if (buf.subarray(0, 8000).includes(0)) throw new NotTextError(`${blobName} is not text. Download it instead.`);
  return buf.toString('utf8');
}

/** Human size: 0 B, 1.5 KB, 12.3 MB. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
