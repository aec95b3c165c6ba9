// Vite's `?worker` imports: a constructor of the bundled worker.
declare module '*?worker' {
  const WorkerConstructor: new () => Worker;
  export default WorkerConstructor;
}
declare module 'elkjs/lib/elk-api.js' {
  import ELK from 'elkjs';
  export default ELK;
}
