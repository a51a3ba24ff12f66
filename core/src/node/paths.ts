// Path containment for outputs and links from reports (Node processes: the server and the extension host).
// Symbolic links are resolved first, so a link inside a folder that points elsewhere counts as elsewhere.
import * as fs from "node:fs";
import * as path from "node:path";

function sameCase(p: string): string {
  return process.platform === "win32" ? p.toLowerCase() : p;
}

/**
 * The path with every symbolic link resolved in the part that exists (the rest is taken as plain folders
 * still to be created).
 */
function realPathOfNearest(p: string): string {
  let existing = path.resolve(p);
  const missing: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(existing), ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return path.resolve(p);
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

/** True when `target` is `folder` or lies below it, after resolving `..` and symbolic links. */
export function isInsideFolder(target: string, folder: string): boolean {
  const rel = path.relative(sameCase(realPathOfNearest(folder)), sameCase(realPathOfNearest(target)));
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
