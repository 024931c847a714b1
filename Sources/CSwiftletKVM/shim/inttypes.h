/* CSwiftletKVM: the kernel has no C library headers; the toolchain's ExecutorImpl.h only needs the
 * integer types from <inttypes.h>, which clang's freestanding <stdint.h> provides. */
#include <stdint.h>
