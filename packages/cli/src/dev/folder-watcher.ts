import { existsSync, readdirSync, statSync, watch, type FSWatcher } from "node:fs";
import { dirname, join } from "node:path";

/** Build output, the embedded store's folder, dependencies: never a reason to rebuild. */
const IGNORED = /(^|[\\/])(dist|\.kova|node_modules|\.git)([\\/]|$)/;

/** Sources, `.env` and kova.config.json: what a build or a start reads. */
const WATCHED = /\.(kova|js|mjs|env)$|(^|[\\/])(\.env|kova\.config\.json)$/;

/**
 * Watches every folder of the app (not build output) one by one. Node 20's recursive fs.watch on
 * Linux loses a file that an editor saves by replacing it (write a temp file, rename over), so
 * each folder gets its own plain watcher, which sees such renames; `refresh` picks up new folders.
 */
export class FolderWatcher {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(
    private readonly root: string,
    private readonly onChange: () => void,
  ) {
    this.refresh();
  }

  refresh(): void {
    const base = existsSync(this.root) && statSync(this.root).isDirectory() ? this.root : dirname(this.root);
    for (const folder of this.folders(base)) {
      if (this.watchers.has(folder)) continue;
      const watcher = watch(folder, (_event, file) => {
        // `.kova` (the embedded store's folder, created at first start) ends like a source file.
        if (file && WATCHED.test(file) && !IGNORED.test(file)) this.onChange();
      });
      watcher.on("error", () => {
        watcher.close();
        this.watchers.delete(folder);
      });
      this.watchers.set(folder, watcher);
    }
  }

  private folders(dir: string): string[] {
    const found = [dir];
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (IGNORED.test(name) || name.startsWith(".")) continue;
      try {
        if (statSync(path).isDirectory()) found.push(...this.folders(path));
      } catch {
        // removed while we looked
      }
    }
    return found;
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
