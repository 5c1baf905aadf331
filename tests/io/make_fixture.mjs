// Writes Parquet files with hyparquet-writer (another writer than fhesynth's) for the reader
// tests, each with the CSV of the text fhesynth's reader must give for it.
//
//   node make_fixture.mjs DIR
// DIR/hw_types.parquet   UNCOMPRESSED, one row group: data pages v2, RLE booleans, dictionary
//                        and plain strings, INT32/DATE/INT64 (REQUIRED)/TIMESTAMP millis and
//                        micros/FLOAT/DOUBLE, nulls
// DIR/hw_groups.parquet  the same rows in row groups of 7 rows
// DIR/hw_types.csv       the expected text (every field quoted; a null is an empty field)
// DIR/hw_snappy.parquet  the same with SNAPPY pages, which the reader must refuse by name
import { writeFileSync } from 'node:fs'
import { parquetWriteBuffer } from 'hyparquet-writer'

const dir = process.argv[2]
if (!dir) { console.error('usage: make_fixture.mjs DIR'); process.exit(2) }

const N = 40
const pick = (i, arr) => arr[i % arr.length]
const cats = ['Private', 'Self-emp', 'État', 'Local-gov']
const texts = ['plain', 'with,comma', 'quote "q"', '', 'naïve ☃', 'line\nbreak', ' padded ', '日本語']
const doubles = [0.1, 2.5, -3.75, 123456.789, 0.001, 5, -0.5, 1e15, 0.0001]
const floats = [[1.5, '1.5'], [-2.25, '-2.25'], [Math.fround(0.1), '0.1'], [3, '3']]
const isNull = (i, k) => (i + k) % 9 === 4

// fhesynth's text for a timestamp in milliseconds (format.h): date only at midnight, no ".000".
function isoMillis(ms) {
  const s = new Date(ms).toISOString()
  if (ms % 86400000 === 0) return s.slice(0, 10)
  return s.endsWith('.000Z') ? s.slice(0, 19) + 'Z' : s
}
function isoMicros(us) {
  const ms = Number(us / 1000n), sub = Number(us % 1000n)
  if (sub === 0) return isoMillis(ms)
  return new Date(ms).toISOString().slice(0, 23) + String(sub).padStart(3, '0') + 'Z'
}

const cols = { i32: [], day: [], big: [], ts_ms: [], ts_us: [], f32: [], f64: [], flag: [], cat: [], txt: [] }
const expect = []
for (let i = 0; i < N; i++) {
  const e = {}
  const put = (name, k, value, text) => {
    const nul = name !== 'big' && isNull(i, k)
    cols[name].push(nul ? null : value)
    e[name] = nul ? null : text
  }
  const i32 = i % 5 === 0 ? -2147483648 + i : i * 1000 - 7
  put('i32', 0, i32, String(i32))
  const day = i * 400 - 3000
  put('day', 1, day, new Date(day * 86400000).toISOString().slice(0, 10))
  const big = 9007199254740993n * BigInt(i % 3 - 1) + BigInt(i)
  put('big', 2, big, big.toString())
  const ms = 1700000000000 + i * 3600123 - (i % 4 === 0 ? 1700000000000 - i * 86400000 : 0)
  put('ts_ms', 3, new Date(ms), isoMillis(ms))
  const us = BigInt(ms) * 1000n + BigInt(i % 3 === 0 ? 0 : i * 7)
  put('ts_us', 4, us, isoMicros(us))
  const [fv, ft] = pick(i, floats)
  put('f32', 5, fv, ft)
  const dv = pick(i, doubles) * (i % 2 ? 1 : -1)
  put('f64', 6, dv, String(dv))
  put('flag', 7, i % 3 !== 1, String(i % 3 !== 1))
  put('cat', 8, pick(i, cats), pick(i, cats))
  put('txt', 0, pick(i * 3, texts), pick(i * 3, texts))
  expect.push(e)
}

const schema = [
  { name: 'root', num_children: 10 },
  { name: 'i32', type: 'INT32', repetition_type: 'OPTIONAL' },
  { name: 'day', type: 'INT32', repetition_type: 'OPTIONAL', converted_type: 'DATE', logical_type: { type: 'DATE' } },
  { name: 'big', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'ts_ms', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'TIMESTAMP_MILLIS' },
  { name: 'ts_us', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'TIMESTAMP_MICROS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } },
  { name: 'f32', type: 'FLOAT', repetition_type: 'OPTIONAL' },
  { name: 'f64', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'flag', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
  { name: 'cat', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  { name: 'txt', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' },
]
const columnData = Object.entries(cols).map(([name, data]) => ({ name, data }))
const write = (file, opts) =>
  writeFileSync(`${dir}/${file}`, new Uint8Array(parquetWriteBuffer({ columnData, schema, ...opts })))
write('hw_types.parquet', { codec: 'UNCOMPRESSED' })
write('hw_groups.parquet', { codec: 'UNCOMPRESSED', rowGroupSize: 7 })
write('hw_snappy.parquet', { codec: 'SNAPPY' })

const q = v => (v === null ? '' : '"' + v.replaceAll('"', '""') + '"')
const names = Object.keys(cols)
writeFileSync(`${dir}/hw_types.csv`,
  [names.join(','), ...expect.map(e => names.map(n => q(e[n])).join(','))].join('\n') + '\n')
console.log(`make_fixture: wrote ${N} rows to ${dir}/hw_{types,groups,snappy}.parquet and hw_types.csv`)
