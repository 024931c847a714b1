/* CSwiftletKVM: see inttypes.h; ExecutorImpl.h includes <stdlib.h> for size_t. */
#include <stddef.h>
