// Entry point of the `berth` command.  Kept tiny so `berth --version` starts
// as fast as node itself: the engine and each command load only when used.
const args = process.argv.slice(2);
if (args[0] === '--version' || args[0] === '-v') {
  console.log('berth version 0.1.0');
} else {
  const { main } = await import('./program.js');
  await main(args);
}
