await import('./src/operator/operator.ts');
await import('./src/catalog/route.ts');
setTimeout(() => { const m = process.memoryUsage(); console.log(JSON.stringify({ rssMB: Math.round(m.rss / 2**20), heapUsedMB: Math.round(m.heapUsed / 2**20), externalMB: Math.round(m.external / 2**20), arrayBuffersMB: Math.round(m.arrayBuffers / 2**20) })); }, 1000);
