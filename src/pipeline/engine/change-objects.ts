// `currentBuild.changeSets` as Jenkinsfiles read it (issue 17): a list of change sets, one per
// checkout that computed a changelog (workflow-job's WorkflowRun.getChangeSets), each an
// Iterable of entries (GitChangeSetList / GitChangeSet) with Jenkins' properties and getters:
//
//   for (set in currentBuild.changeSets) {          // or changeSets[i].items (an array: .length)
//     for (e in set.items) {
//       echo "${e.commitId} ${e.author} ${e.authorEmail} ${e.timestamp} ${e.msg}"  // author prints its full name
//       for (f in e.affectedFiles) echo "${f.editType.name} ${f.path}"           // add, edit, delete
//       e.affectedPaths                                                            // the paths
//     }
//   }
//
// Read-only views over the build's recorded change sets (changesets.ts); every `getX()` of a
// property answers too (getCommitId(), getMsg(), getAuthor().getFullName(), getItems(), ...).
import type { Loc } from '../../core/build.ts';
import type { CallArgs, DynamicContext, GList, HostObject, Value } from '../script/values.ts';
import { javaArray } from '../script/methods-common.ts';
import type { ChangeEntryRecord, ChangeSetRecord } from '../steps/changesets.ts';

/** A read-only object whose getters (getX(), isX()) answer its properties. */
abstract class View implements HostObject {
  readonly kind = 'host' as const;
  abstract readonly typeName: string;
  abstract prop(name: string): Value | undefined;
  getProperty(name: string, _ctx: DynamicContext, _loc: Loc): Value | undefined {
    return this.prop(name);
  }
  invokeMethod(name: string, args: CallArgs): Promise<Value> | undefined {
    if (args.positional.length === 0 && (args.named?.size ?? 0) === 0) {
      if (name === 'toString') return Promise.resolve(this.toString());
      const m = /^(?:get|is)([A-Z].*)$/.exec(name);
      if (m) {
        const v = this.prop(m[1]!.charAt(0).toLowerCase() + m[1]!.slice(1));
        if (v !== undefined) return Promise.resolve(v);
      }
    }
    return undefined;
  }
  abstract toString(): string;
}

class EditTypeView extends View {
  readonly typeName = 'hudson.scm.EditType';
  readonly #name: 'add' | 'edit' | 'delete';
  constructor(name: 'add' | 'edit' | 'delete') { super(); this.#name = name; }
  prop(name: string): Value | undefined {
    if (name === 'name') return this.#name;
    if (name === 'description') return this.#name === 'add' ? 'The file was added' : this.#name === 'delete' ? 'The file was removed' : 'The file was modified';
    return undefined;
  }
  toString(): string { return this.#name; }
}

class AffectedFileView extends View {
  readonly typeName = 'hudson.plugins.git.GitChangeSet$Path';
  readonly #f: ChangeEntryRecord['files'][number];
  constructor(f: ChangeEntryRecord['files'][number]) { super(); this.#f = f; }
  prop(name: string): Value | undefined {
    if (name === 'path') return this.#f.path;
    if (name === 'editType') return new EditTypeView(this.#f.editType);
    return undefined;
  }
  toString(): string { return this.#f.path; }
}

class UserView extends View {
  readonly typeName = 'hudson.model.User';
  readonly #name: string;
  readonly #email: string;
  constructor(name: string, email: string) { super(); this.#name = name; this.#email = email; }
  prop(name: string): Value | undefined {
    if (name === 'fullName' || name === 'displayName') return this.#name;
    // Jenkins' default user id of a commit's author: the e-mail's local part (or the name).
    if (name === 'id') return this.#email.includes('@') ? this.#email.slice(0, this.#email.indexOf('@')) : this.#name;
    return undefined;
  }
  toString(): string { return this.#name; }
}

class EntryView extends View {
  readonly typeName = 'hudson.plugins.git.GitChangeSet';
  readonly #e: ChangeEntryRecord;
  constructor(e: ChangeEntryRecord) { super(); this.#e = e; }
  prop(name: string): Value | undefined {
    const e = this.#e;
    switch (name) {
      case 'commitId': case 'id': case 'revision': return e.commitId;
      case 'parentCommit': return e.parentCommit;
      case 'msg': return e.msg;
      case 'comment': return e.comment;
      case 'msgAnnotated': case 'msgEscaped': return e.msg;
      case 'author': return new UserView(e.author, e.authorEmail);
      case 'authorName': return e.author;
      case 'authorEmail': return e.authorEmail;
      case 'timestamp': return e.timestamp;
      case 'date': return new Date(e.timestamp).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000');
      case 'affectedPaths': return e.files.map((f) => f.path);
      case 'affectedFiles': case 'paths': return e.files.map((f) => new AffectedFileView(f));
      default: return undefined;
    }
  }
  toString(): string { return `hudson.plugins.git.GitChangeSet@${this.#e.commitId.slice(0, 8)}`; }
}

class ChangeSetView extends View {
  readonly typeName = 'hudson.plugins.git.GitChangeSetList';
  readonly #s: ChangeSetRecord;
  constructor(s: ChangeSetRecord) { super(); this.#s = s; }
  items(): GList {
    return this.#s.entries.map((e) => new EntryView(e));
  }
  prop(name: string): Value | undefined {
    switch (name) {
      case 'items': return javaArray(this.items());
      case 'kind': return 'git';
      case 'emptySet': return this.#s.entries.length === 0;
      case 'logs': return this.items();
      default: return undefined;
    }
  }
  toString(): string { return `hudson.plugins.git.GitChangeSetList@${this.#s.to.slice(0, 8)}`; }
}

/** currentBuild.changeSets: a fresh list of views over the recorded change sets. */
export function changeSetObjects(sets: readonly ChangeSetRecord[]): Value {
  return sets.map((s) => new ChangeSetView(s));
}
