import { openLoop, gqlPost } from '/work/main/dist/bench/lib.js';
const token = process.argv[2];
const SEARCH = 'query($q: String!, $f: SearchFilter) { search(query: $q, filter: $f, first: 20) { total hits { asset { qualifiedName } score } facets { field buckets { value count } } } }';
const qs = [{ q: 't42' }, { q: 'model 7 warehouse 3' }, { q: 'mod' }, { q: 'layer 3', f: { kinds: ['TABLE'], owners: ['team3@bench.io'] } }, { q: 'c3', f: { qualifiedNamePrefix: 'snowflake://bench/db1.s2.' } }, { q: 'fan', f: { classifications: ['PII'] } }];
for (const [k, q] of qs.entries()) { const t = performance.now(); await gqlPost('http://127.0.0.1:4777/graphql', token, SEARCH, q); console.log(k, Math.round(performance.now() - t)); }
console.log(JSON.stringify(await openLoop(Number(process.argv[3]), 10, (i) => gqlPost('http://127.0.0.1:4777/graphql', token, SEARCH, qs[i % 6]).then((r) => !r.errors))));
