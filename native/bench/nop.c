/* bench-nop [seconds]: exits 0 at once (the `true` of start-up timing), or
 * after sleeping up to an hour (a container that holds a network up). */
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv) {
  unsigned seconds = (unsigned)arg_number(argc, argv, 1, 0, 0, 3600);
  if (seconds) sleep(seconds);
  return 0;
}
