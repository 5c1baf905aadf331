// Independent check of fhesynth's Parquet files with hyparquet (a JavaScript Parquet reader
// written by other people from the same specification).
//
//   node parquet_check.mjs compare FILE.parquet FILE.csv [FILE.jsonl] [--types t1,t2,...]
//       every value of the Parquet file equals the CSV field (and the JSON Lines value) of the
//       same row and column; --types (int64|double|string|timestamp per column) also checks
//       the physical and logical types fhesynth promises; the statistics of every row group
//       (null_count, min_value, max_value) must match the rows. Exit 0 when all agree.
//   node parquet_check.mjs dump FILE.parquet
//       prints the metadata summary and the rows as JSON (bigints as strings).
import { readFileSync } from 'node:fs'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

function fail(msg) {
  console.error(`parquet_check: ${msg}`)
  process.exit(1)
}

// RFC 4180 records; each field keeps whether it was quoted ("" is a present empty string).
function parseCsv(text) {
  const rows = []
  let row = [], field = '', quoted = false, inQuotes = false, i = 0
  const endField = () => { row.push({ text: field, quoted }); field = ''; quoted = false }
  while (i < text.length) {
    const c = text[i]
    if (inQuotes) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue }
      if (c === '"') { inQuotes = false; i++; continue }
      field += c; i++; continue
    }
    if (c === '"') { inQuotes = true; quoted = true; i++; continue }
    if (c === ',') { endField(); i++; continue }
    if (c === '\n') { endField(); rows.push(row); row = []; i++; continue }
    field += c; i++
  }
  if (field !== '' || quoted || row.length) { endField(); rows.push(row) }
  return rows
}

function kindOf(el) {
  const lt = el.logical_type?.type
  if (el.type === 'BYTE_ARRAY') return 'string'
  if (el.type === 'DOUBLE') return 'double'
  if (el.type === 'INT64' && (lt === 'TIMESTAMP' || el.converted_type === 'TIMESTAMP_MILLIS')) return 'timestamp'
  if (el.type === 'INT64') return 'int64'
  return el.type
}

function checkTypes(leaves, types) {
  if (types.length !== leaves.length) fail(`expected ${types.length} columns, file has ${leaves.length}`)
  leaves.forEach((el, i) => {
    const want = types[i], lt = el.logical_type
    if (kindOf(el) !== want) fail(`column ${el.name}: type ${el.type}/${lt?.type}, expected ${want}`)
    if (el.repetition_type !== 'OPTIONAL') fail(`column ${el.name}: not OPTIONAL`)
    if (want === 'string' && (lt?.type !== 'STRING' || el.converted_type !== 'UTF8'))
      fail(`column ${el.name}: strings must be annotated STRING/UTF8`)
    if (want === 'timestamp' && !(lt?.type === 'TIMESTAMP' && lt.unit === 'MILLIS' &&
        lt.isAdjustedToUTC === true && el.converted_type === 'TIMESTAMP_MILLIS'))
      fail(`column ${el.name}: timestamps must be TIMESTAMP(MILLIS, UTC) ${JSON.stringify(lt)}`)
  })
}

const special = { nan: NaN, inf: Infinity, '-inf': -Infinity }
const toNumber = t => (t in special ? special[t] : Number(t))
const sameNumber = (a, b) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))

// Returns a message when the Parquet value pv disagrees with the CSV field f, else null.
function csvMismatch(kind, pv, f) {
  if (pv === null || pv === undefined)
    return f.text === '' && !f.quoted ? null : `null in Parquet, ${JSON.stringify(f.text)} in CSV`
  if (kind === 'string')
    return pv === f.text && (pv !== '' || f.quoted) ? null : `${JSON.stringify(pv)} vs ${JSON.stringify(f.text)}`
  if (f.text === '') return `${pv} in Parquet, missing in CSV`
  if (kind === 'int64') return BigInt(f.text) === pv ? null : `${pv} vs ${f.text}`
  if (kind === 'double') return sameNumber(toNumber(f.text), pv) ? null : `${pv} vs ${f.text}`
  if (kind === 'timestamp') {
    if (!/^[+-]?\d{4,6}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d{3})?Z)?$/.test(f.text)) return `bad ISO text ${f.text}`
    return Date.parse(f.text) === pv.getTime() ? null : `${pv.toISOString()} vs ${f.text}`
  }
  return `unexpected kind ${kind}`
}

function jsonMismatch(kind, pv, jv) {
  if (pv === null || pv === undefined) return jv === null ? null : `null vs ${JSON.stringify(jv)}`
  if (kind === 'string') return pv === jv ? null : `${JSON.stringify(pv)} vs ${JSON.stringify(jv)}`
  if (kind === 'int64') return Number(pv) === jv ? null : `${pv} vs ${jv}`
  if (kind === 'double') return (Number.isFinite(pv) ? Object.is(pv, jv) : jv === null) ? null : `${pv} vs ${jv}`
  if (kind === 'timestamp') return typeof jv === 'string' && Date.parse(jv) === pv.getTime() ? null : `${pv.toISOString()} vs ${jv}`
  return `unexpected kind ${kind}`
}

// Column statistics of every row group (null_count, min_value, max_value) against the rows.
function statsMismatches(metadata, rows, names, kinds) {
  const problems = []
  const key = (kind, v) => (kind === 'timestamp' ? v.getTime() : v)
  const less = (kind, a, b) => kind === 'string'
    ? Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0
    : key(kind, a) < key(kind, b) || (a === 0 && b === 0 && Object.is(a, -0) && !Object.is(b, -0))
  let start = 0
  metadata.row_groups.forEach((g, gi) => {
    const n = Number(g.num_rows)
    g.columns.forEach((col, c) => {
      const st = col.meta_data.statistics, kind = kinds[c]
      if (!st) return
      let nulls = 0, min, max
      for (let r = start; r < start + n; r++) {
        const v = rows[r][names[c]]
        if (v === null || v === undefined) { nulls++; continue }
        if (kind === 'double' && Number.isNaN(v)) continue
        if (min === undefined || less(kind, v, min)) min = v
        if (max === undefined || less(kind, max, v)) max = v
      }
      if (kind === 'double' && min === 0) min = -0
      if (kind === 'double' && max === 0) max = 0
      const same = (a, b) => (a === undefined ? b === undefined : b !== undefined && !less(kind, a, b) && !less(kind, b, a))
      if (st.null_count !== undefined && Number(st.null_count) !== nulls)
        problems.push(`row group ${gi + 1}, column ${names[c]}: null_count ${st.null_count}, counted ${nulls}`)
      if (!same(min, st.min_value) || !same(max, st.max_value))
        problems.push(`row group ${gi + 1}, column ${names[c]}: min/max ${st.min_value}/${st.max_value}, data ${min}/${max}`)
    })
    start += n
  })
  return problems
}

async function load(path) {
  const file = await asyncBufferFromFile(path)
  const metadata = await parquetMetadataAsync(file)
  const rows = await parquetReadObjects({ file, metadata, compressors })
  const leaves = metadata.schema.slice(1)
  const codecs = [...new Set(metadata.row_groups.flatMap(g => g.columns.map(c => c.meta_data.codec)))]
  return { metadata, rows, leaves, codecs }
}

async function compare(args) {
  const typesAt = args.indexOf('--types')
  const types = typesAt >= 0 ? args[typesAt + 1].split(',') : null
  const [pqPath, csvPath, jsonlPath] = typesAt >= 0 ? args.filter((a, i) => i !== typesAt && i !== typesAt + 1) : args
  const { metadata, rows, leaves, codecs } = await load(pqPath)
  if (types) checkTypes(leaves, types)
  const names = leaves.map(el => el.name)
  const kinds = leaves.map(kindOf)
  const csv = parseCsv(readFileSync(csvPath, 'utf8'))
  const header = csv.shift().map(f => f.text)
  if (JSON.stringify(header) !== JSON.stringify(names)) fail(`CSV header ${header} vs Parquet ${names}`)
  if (csv.length !== rows.length) fail(`${rows.length} rows in Parquet, ${csv.length} in CSV`)
  if (BigInt(rows.length) !== metadata.num_rows) fail(`num_rows ${metadata.num_rows} but ${rows.length} rows read`)
  const json = jsonlPath ? readFileSync(jsonlPath, 'utf8').split('\n').filter(l => l) : null
  if (json && json.length !== rows.length) fail(`${json.length} JSON lines for ${rows.length} rows`)
  const problems = []
  for (let r = 0; r < rows.length && problems.length < 10; r++) {
    const jrow = json ? JSON.parse(json[r]) : null
    if (jrow && JSON.stringify(Object.keys(jrow)) !== JSON.stringify(names)) problems.push(`row ${r + 1}: JSON keys ${Object.keys(jrow)}`)
    names.forEach((name, c) => {
      const pv = rows[r][name]
      const m1 = csvMismatch(kinds[c], pv, csv[r][c])
      if (m1) problems.push(`row ${r + 1}, column ${name}: CSV: ${m1}`)
      const m2 = jrow ? jsonMismatch(kinds[c], pv, jrow[name]) : null
      if (m2) problems.push(`row ${r + 1}, column ${name}: JSON: ${m2}`)
    })
  }
  problems.push(...statsMismatches(metadata, rows, names, kinds).slice(0, 10))
  if (problems.length) fail(problems.join('\n'))
  console.log(`parquet_check: ok: ${pqPath}: ${rows.length} rows x ${names.length} columns, ` +
              `${metadata.row_groups.length} row groups, codec ${codecs.join('/')}, ` +
              `CSV${json ? ' and JSON Lines' : ''} agree, statistics right`)
}

async function dump(path) {
  const { metadata, rows, leaves, codecs } = await load(path)
  console.log(JSON.stringify({ rows: Number(metadata.num_rows), row_groups: metadata.row_groups.length, codecs,
    columns: leaves.map(el => ({ name: el.name, type: el.type, repetition: el.repetition_type,
      converted: el.converted_type, logical: el.logical_type })) }))
  for (const row of rows) console.log(JSON.stringify(row, (k, v) => (typeof v === 'bigint' ? v.toString() : v)))
}

const [mode, ...rest] = process.argv.slice(2)
if (mode === 'compare' && rest.length >= 2) await compare(rest)
else if (mode === 'dump' && rest.length === 1) await dump(rest[0])
else fail('usage: parquet_check.mjs compare FILE.parquet FILE.csv [FILE.jsonl] [--types ...] | dump FILE.parquet')
