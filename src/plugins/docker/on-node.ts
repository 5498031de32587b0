// What the container workspaces share: the files are the node's (the same paths are mounted in
// the containers), so every file operation goes to the node's workspace; only exec and release
// differ (docker exec or the runner; removing a container or a pod).
import type { ExecResult, ExecSpec, FileReader, FileStat, GlobOptions, Workspace } from '../../core/workspace.ts';
import { openFile, writeChunks } from '../../util/files-stream.ts';

export abstract class OnNodeWorkspace implements Workspace {
  readonly root: string;
  readonly tmp: string;
  readonly nodeName: string;
  readonly nodeLabels: string[];
  readonly isUnix = true;
  abstract readonly hasContainers: boolean;
  /** The node's workspace that the containers are started beside. */
  readonly base: Workspace;

  constructor(base: Workspace, nodeName = base.nodeName, nodeLabels = base.nodeLabels) {
    this.base = base;
    this.root = base.root;
    this.tmp = base.tmp;
    this.nodeName = nodeName;
    this.nodeLabels = nodeLabels;
  }

  abstract exec(spec: ExecSpec): Promise<ExecResult>;
  abstract release(): Promise<void>;

  readFile(p: string): Promise<Buffer> { return this.base.readFile(p); }
  writeFile(p: string, data: Buffer | string, mode?: number): Promise<void> { return this.base.writeFile(p, data, mode); }
  openRead(p: string): Promise<FileReader> { return openFile(this.base, p); }
  writeFrom(p: string, chunks: AsyncIterable<Buffer>, mode?: number): Promise<void> { return writeChunks(this.base, p, chunks, mode); }
  stat(p: string): Promise<FileStat | null> { return this.base.stat(p); }
  mkdir(p: string): Promise<void> { return this.base.mkdir(p); }
  remove(p: string): Promise<void> { return this.base.remove(p); }
  glob(dir: string, includes: string, excludes?: string, options?: GlobOptions): Promise<string[]> {
    return this.base.glob(dir, includes, excludes, options);
  }
}
