/* CSwiftletUnix: the hosted run loop as the process's global executor, through the concurrency runtime's
 * enqueue hook (the same hook family the kvm kernel implements in CSwiftletKVM/executor.c).
 *
 * Why: with `Task(executorPreference:)` every task carries a task-executor preference, and the runtime
 * reads it under the task's status-record lock on every `swift_task_switch` (the hop back after each
 * await): about 1.6k instructions per HTTP request (docs/ARCHITECTURE.md, "HTTP speed, measured").
 * Tasks on the global executor have no preference, and the switch is a comparison.
 *
 * The declarations follow the toolchain's include/swift/ExecutorImpl.h (not included: SwiftPM does not
 * put the toolchain's include directory on a C target's path). Jobs are opaque here; the hook hands each
 * to the loop's callback, and `swiftlet_run_job_generic` runs one on the generic executor.
 */
#include <stdint.h>
#include "CSwiftletUnix.h"

#define SWIFT_CC_SWIFT __attribute__((swiftcall))

struct swiftlet_executor_ref { uintptr_t identity; uintptr_t implementation; };
typedef SWIFT_CC_SWIFT void (*swiftlet_enqueue_original)(void *job);
extern SWIFT_CC_SWIFT void (*swift_task_enqueueGlobal_hook)(void *job, swiftlet_enqueue_original original);
extern SWIFT_CC_SWIFT void swift_job_run(void *job, struct swiftlet_executor_ref executor);

static void (*loop_enqueue)(void *context, void *job);
static void *loop_context;

static SWIFT_CC_SWIFT void enqueue_global(void *job, swiftlet_enqueue_original original) {
    (void)original;
    loop_enqueue(loop_context, job);
}

int swiftlet_own_global_executor(void *context, void (*enqueue)(void *context, void *job)) {
    if (swift_task_enqueueGlobal_hook) return -1;  /* someone else owns it */
    loop_context = context;
    loop_enqueue = enqueue;
    swift_task_enqueueGlobal_hook = enqueue_global;
    return 0;
}

void swiftlet_release_global_executor(void) {
    swift_task_enqueueGlobal_hook = 0;
    loop_enqueue = 0;
    loop_context = 0;
}

void swiftlet_run_job_generic(void *job) {
    struct swiftlet_executor_ref generic = {0, 0};
    swift_job_run(job, generic);
}
