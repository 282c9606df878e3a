// GETs from the host with a bounded time, for tests that check a published port answers.
import http from 'node:http';

/** The body of one GET (3 s at most). */
export function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: 3000 }, (response) => {
      let body = '';
      response.on('data', (d) => (body += d));
      response.on('end', () => resolve(body));
    });
    request.on('timeout', () => request.destroy(new Error(`timeout: ${url}`)));
    request.on('error', reject);
  });
}

/** GET until something answers: a server in a container takes a moment to listen (40 tries, 50 ms apart). */
export async function getWithRetry(url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await get(url);
    } catch (error) {
      if (attempt >= 40) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
