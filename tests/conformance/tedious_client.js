#!/usr/bin/env node
// tedious_client.js: runs one conformance case through tedious 19.2.2 (npm,
// installed in tests/node_modules by `make deps`) and prints what tedious
// reports, in the transcript format of compare.py: column metadata (type
// name, dataLength, precision, scale), row values, the rowCount of every
// done/doneInProc/doneProc event (undefined unless the DONE has the COUNT
// bit), the procedure return status carried by doneProc, infoMessage and
// errorMessage events, databaseChange events, and cancel().
//
// Plain batches go through execSqlBatch; a case with '--! param:' lines
// goes through execSql (an RPC to sp_executesql with typed parameters),
// which is how applications send parameterised queries with tedious.
//
// Usage: node tedious_client.js HOST PORT USER PASSWORD OUTDIR CASE.sql...
// Writes OUTDIR/NAME.out for each CASE, each case on a fresh connection (one
// process for all cases: loading tedious costs more than running a case).
// A case with '--! login: bad-password' logs in with PASSWORD + '-wrong'.

'use strict';

const fs = require('fs');
const path = require('path');

const top = path.resolve(__dirname, '..', '..');
const { Connection, Request, TYPES } = require(path.join(top, 'tests', 'node_modules', 'tedious'));

const [host, port, user, password, outDir, ...casePaths] = process.argv.slice(2);
if (!casePaths.length) {
  process.stderr.write('usage: tedious_client.js HOST PORT USER PASSWORD OUTDIR CASE.sql...\n');
  process.exit(2);
}

// --- a case: batches split on GO lines, '--! name: value' directives
function loadCase(casePath) {
  const directives = [];
  const batches = [];
  let cur = [];
  for (const ln of fs.readFileSync(casePath, 'utf8').split('\n')) {
    const m = /^--!\s*([\w-]+):\s*(.*?)\s*$/.exec(ln);
    if (m) { directives.push([m[1], m[2]]); continue; }
    if (ln.trim().toUpperCase() === 'GO') { batches.push(cur.join('\n')); cur = []; continue; }
    cur.push(ln);
  }
  batches.push(cur.join('\n'));
  const params = directives.filter(([k]) => k === 'param').map(([, v]) => {
    const m = /^@(\w+)\s+(\S+)\s+(.*)$/.exec(v);
    if (!m) throw new Error('bad param: ' + v);
    return { name: m[1], type: m[2], literal: m[3] };
  });
  const get = (k) => { const d = directives.find(([n]) => n === k); return d ? d[1] : null; };
  return {
    batches: batches.filter((b) => b.trim() !== ''),
    params,
    cancelAfter: get('cancel-after') !== null ? Number(get('cancel-after')) : null,
    badPassword: get('login') === 'bad-password',
  };
}

let out = [];
const quote = (s) => "'" + String(s).replace(/'/g, "''").replace(/\n/g, '\\n') + "'";
const pad = (n, w) => String(n).padStart(w, '0');

function fmtDate(d, scale) {
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (scale === undefined) return quote(`${base}.${pad(d.getUTCMilliseconds(), 3)}`);
  const hundredNs = d.getUTCMilliseconds() * 10000 + Math.round((d.nanosecondsDelta || 0) * 1e7);
  return quote(`${base}.${pad(hundredNs, 7)}`);
}

function fmtValue(col) {
  const v = col.value;
  const t = col.metadata.type.name;
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(v);
  if (v instanceof Date) return fmtDate(v, t === 'DateTime2' ? col.metadata.scale : undefined);
  if (Buffer.isBuffer(v)) return '0x' + v.toString('hex').toUpperCase();
  if (t === 'BigInt' || (t === 'IntN' && col.metadata.dataLength === 8)) return String(v);
  if (t === 'UniqueIdentifier') return quote(String(v).toUpperCase());
  return quote(v);
}

function fmtType(m) {
  const t = m.type.name;
  if (['IntN', 'FloatN', 'DateTimeN', 'NVarChar', 'VarChar', 'VarBinary'].includes(t)) return `${t}/${m.dataLength}`;
  if (['Numeric', 'NumericN', 'Decimal', 'DecimalN'].includes(t)) return `${t}/${m.precision},${m.scale}`;
  if (t === 'DateTime2') return `${t}/${m.scale}`;
  return t;
}

function tediousType(sqlType) {
  const m = /^(\w+)(?:\((\w+)(?:,(\d+))?\))?$/.exec(sqlType.toUpperCase());
  const map = { INT: TYPES.Int, BIGINT: TYPES.BigInt, SMALLINT: TYPES.SmallInt, TINYINT: TYPES.TinyInt,
    BIT: TYPES.Bit, NVARCHAR: TYPES.NVarChar, VARCHAR: TYPES.VarChar, FLOAT: TYPES.Float,
    DATETIME: TYPES.DateTime, DATETIME2: TYPES.DateTime2, UNIQUEIDENTIFIER: TYPES.UniqueIdentifier,
    NUMERIC: TYPES.Numeric, DECIMAL: TYPES.Decimal };
  const type = map[m[1]];
  if (!type) throw new Error('unsupported parameter type ' + sqlType);
  const options = {};
  if (m[2] && m[2] !== 'MAX' && (m[1] === 'NVARCHAR' || m[1] === 'VARCHAR')) options.length = Number(m[2]);
  if (m[2] && (m[1] === 'NUMERIC' || m[1] === 'DECIMAL')) { options.precision = Number(m[2]); options.scale = Number(m[3] || 0); }
  return { type, options };
}

function literalValue(lit) {
  const s = /^N?'(.*)'$/s.exec(lit);
  if (s) return s[1].replace(/''/g, "'");
  return Number(lit);
}

function runBatch(conn, kase, sql, i) {
  const { params, cancelAfter } = kase;
  return new Promise((resolve) => {
    out.push('batch');
    const cancelling = i === 0 && cancelAfter !== null;
    let timer = null;
    let cancelAt = 0;
    const req = new Request(sql, (err) => {
      if (timer) clearTimeout(timer);
      if (cancelling) {
        if (err && err.code === 'ECANCEL') {
          const took = (Date.now() - cancelAt) / 1000;
          out.push(took > 2 ? `cancel: slow (${took.toFixed(1)} s to acknowledge)` : 'cancel: ok');
        } else {
          out.push('cancel: not-cancelled (' + (err ? err.message : 'the batch completed') + ')');
        }
      }
      resolve();
    });
    req.on('columnMetadata', (cols) => {
      out.push('columns: ' + cols.map((c) => `${c.colName || "''"} ${fmtType(c)}`).join(' | '));
    });
    req.on('row', (cols) => out.push('row: ' + cols.map(fmtValue).join(' | ')));
    const onDone = (rowCount) => { if (rowCount !== undefined) out.push(`count: ${rowCount}`); };
    req.on('done', onDone);
    req.on('doneInProc', onDone);
    req.on('doneProc', (rowCount, more, returnStatus) => {
      onDone(rowCount);
      if (returnStatus !== undefined) out.push(`return: ${returnStatus}`);
    });
    if (params.length) {
      for (const p of params) {
        const { type, options } = tediousType(p.type);
        req.addParameter(p.name, type, literalValue(p.literal), options);
      }
      conn.execSql(req);
    } else {
      conn.execSqlBatch(req);
    }
    if (cancelling) {
      timer = setTimeout(() => { cancelAt = Date.now(); conn.cancel(); }, cancelAfter * 1000);
    }
  });
}

function runCase(kase) {
  return new Promise((resolve) => {
    const conn = new Connection({
      server: host,
      authentication: {
        type: 'default',
        options: { userName: user, password: kase.badPassword ? `${password}-wrong` : password },
      },
      options: {
        port: Number(port), encrypt: false, trustServerCertificate: true,
        connectTimeout: 10000, requestTimeout: 0, cancelTimeout: 5000,
        appName: 'pcdr-tedious-client',
      },
    });
    let connected = false;
    const loginMsgs = [];
    const onMsg = (t) => (connected ? out : loginMsgs).push(`msg: ${t.number} ${t.class} ${t.state} ${t.message}`);
    conn.on('infoMessage', onMsg);
    conn.on('errorMessage', onMsg);
    conn.on('databaseChange', (db) => { if (connected) out.push(`database: ${db}`); });
    conn.on('error', (err) => process.stderr.write(`connection error: ${err.message}\n`));
    conn.connect(async (err) => {
      if (err) {
        out.push('batch');
        out.push(...loginMsgs.filter((m) => !/^msg: (5701|5703) /.test(m)));
        out.push('login: failed');
        resolve();
        return;
      }
      connected = true;
      for (let i = 0; i < kase.batches.length; i++) {
        // eslint-disable-next-line no-await-in-loop
        await runBatch(conn, kase, kase.batches[i], i);
      }
      conn.on('end', resolve);
      conn.close();
    });
  });
}

(async () => {
  for (const casePath of casePaths) {
    out = [];
    try {
      // eslint-disable-next-line no-await-in-loop
      await runCase(loadCase(casePath));
    } catch (e) {
      out.push(`# tedious_client: ${e.stack}`);
    }
    fs.writeFileSync(path.join(outDir, path.basename(casePath, '.sql') + '.out'), out.join('\n') + '\n');
  }
})();
