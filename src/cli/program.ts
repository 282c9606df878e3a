// Placeholder until the commands land.
export async function main(args: string[]): Promise<void> {
  console.log('Usage: berth [OPTIONS] COMMAND');
  if (args.length) process.exitCode = 1;
}
