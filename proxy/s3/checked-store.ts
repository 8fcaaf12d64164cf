// s3rver's file store, with every object's side files checked before it uses them.
//
// s3rver keeps an object as three files: NAME._S3rver_object (the body),
// NAME._S3rver_object.md5 (its ETag) and NAME._S3rver_metadata.json (content type and
// such). It parses the metadata with a bare JSON.parse on every GET, and for every key
// of a listing; a HEAD of the bucket is a listing (Koa answers HEAD with the GET
// route). So one empty, cut-short or garbage metadata file made the S3 backend's
// bucket check at open fail with "500 Unknown", and with it every key.
//
// This store, which the s3rver thread puts in place of s3rver's own, reads an
// object's side files itself, once per GET, and checks them: a damaged one fails that
// object's GET with DAMAGED_OBJECT_CODE and a message naming the store's directory and
// the file, and leaves a listing out of it (a listing only needs the body's size). A PUT rewrites
// both side files, so writing the key again repairs it. A damaged body is the S3
// backend's to find: its records carry their own checks.
//
// A PUT is answered only once its body is whole on disk: s3rver's own putObject
// answers as soon as it has handed a buffer to a write stream that rewrites the body
// in place, so a GET right after the answer could read the old body's length with
// the new body's first bytes. Here the body goes to a file of its own, is renamed
// over the old one when it is complete, and only then is the PUT answered.
//
// Like the thread's own code this is JavaScript in a string (see s3rver-thread.ts).

import { DAMAGED_OBJECT_CODE } from '../kv/s3-errors.js';

export const CHECKED_STORE_SOURCE = `
const nodePath = require('node:path');
const fsp = require('node:fs/promises');
const crypto = require('node:crypto');
const s3rverLib = nodePath.dirname(workerData.s3rverPath);
const FilesystemStore = require(nodePath.join(s3rverLib, 'stores', 'filesystem.js'));
const S3Error = require(nodePath.join(s3rverLib, 'models', 'error.js'));

/** A header value s3rver may send back as it is: printable ASCII. */
const HEADER_SAFE = /^[\\x20-\\x7e\\t]*$/;

/** Why the metadata file's text is not what s3rver writes, or undefined when it is. */
function metadataProblem(text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return text.length === 0 ? 'empty' : 'not JSON: ' + error.message;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'not a JSON object';
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' || !HEADER_SAFE.test(value)) return 'field "' + name.slice(0, 40) + '" is not a header value';
  }
  return undefined;
}

/** Why the .md5 file's text is not an MD5 digest, or undefined when it is. */
function md5Problem(text) {
  if (text.length === 0) return 'empty';
  return /^[0-9a-f]{32}$/.test(text) ? undefined : 'not 32 hex digits';
}

/** Every byte of a body s3rver hands over as a buffer or a stream. */
async function wholeBody(content) {
  if (Buffer.isBuffer(content)) return content;
  const chunks = [];
  for await (const chunk of content) chunks.push(chunk);
  return Buffer.concat(chunks);
}

let partialFiles = 0;

class CheckedStore extends FilesystemStore {
  /** The body written beside the object and renamed over it when complete; then the side files. */
  async putObject(object) {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await fsp.mkdir(nodePath.dirname(objectPath), { recursive: true });
    const body = await wholeBody(object.content);
    const md5 = crypto.createHash('md5').update(body).digest('hex');
    const partial = objectPath + '.' + process.pid + '-' + partialFiles++ + '.partial';
    try {
      await fsp.writeFile(partial, body);
      await fsp.rename(partial, objectPath);
    } catch (error) {
      await fsp.rm(partial, { force: true });
      throw error;
    }
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size: body.length, md5 };
  }

  /** A side file's text, undefined when there is none (s3rver does without either); a named S3Error when it is damaged. */
  async sideFile(file, problemOf) {
    let problem;
    try {
      const text = (await fsp.readFile(file)).toString('latin1');
      problem = problemOf(text);
      if (problem === undefined) return text;
    } catch (error) {
      if (error.code === 'ENOENT') return undefined;
      problem = 'unreadable: ' + (error.code || error.message);
    }
    throw new S3Error('${DAMAGED_OBJECT_CODE}', 'in store ' + this.rootDirectory + ': file ' + file + ' (' + problem + ')');
  }

  /** s3rver's metadata of an object, from side files read and checked once. */
  async getMetadata(bucket, key) {
    // A missing body means a missing object (404), whatever lies beside it.
    const stat = await fsp.stat(this.getResourcePath(bucket, key, 'object'));
    const [metadata, md5] = await Promise.all([
      this.sideFile(this.getResourcePath(bucket, key, 'metadata.json'), metadataProblem),
      this.sideFile(this.getResourcePath(bucket, key, 'object.md5'), md5Problem),
    ]);
    // Without a digest s3rver computes one from the body and stores it.
    if (md5 === undefined) return super.getMetadata(bucket, key);
    return {
      ...(metadata === undefined ? {} : JSON.parse(metadata)),
      etag: JSON.stringify(md5),
      'last-modified': stat.mtime.toUTCString(),
      'content-length': stat.size,
    };
  }

  async listObjects(bucket, options) {
    // s3rver's listing fails as a whole when one object's metadata does; here a
    // damaged object is only left out of it.
    const lenient = Object.create(this, {
      getMetadata: {
        value: (b, k) =>
          this.getMetadata(b, k).catch((error) => {
            if (error instanceof S3Error && error.code === '${DAMAGED_OBJECT_CODE}') return undefined;
            throw error;
          }),
      },
    });
    return FilesystemStore.prototype.listObjects.call(lenient, bucket, options);
  }
}
`;
