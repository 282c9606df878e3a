// Entry point of the `berth` command.  Kept tiny so `berth --version` starts
// as fast as node itself: the engine and each command load only when used.
// `berth logs x | head`: the reader went away; that is the end of the output, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const args = process.argv.slice(2);
if (args[0] === '--version' || args[0] === '-v') {
  console.log('berth version 0.1.0');
} else {
  const { main } = await import('./program.js');
  await main(args);
}
