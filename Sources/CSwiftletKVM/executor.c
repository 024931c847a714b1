/* CSwiftletKVM: the global executor of the Embedded Swift concurrency runtime (the hooks declared in the
 * toolchain's include/swift/ExecutorImpl.h).
 *
 * One CPU, one cooperative run queue: enqueue appends the job to a FIFO linked through the job's
 * `schedulerPrivate[0]` (so it never allocates); the kernel's run loop (SwiftletKVM/Kernel.swift) calls
 * `swiftlet_run_jobs` to run everything that is ready, then polls devices and blocks. Delayed jobs
 * (`Task.sleep`) do not exist in Embedded Swift; the run loop's timers replace them.
 */
#include "kernel.h"
#include <swift/ExecutorImpl.h>

static SwiftJob *head, *tail;

SWIFT_CC(swift) void swift_task_enqueueGlobalImpl(SwiftJob *job) {
    job->schedulerPrivate[SwiftJobNextWaitingTaskIndex] = 0;
    if (tail) tail->schedulerPrivate[SwiftJobNextWaitingTaskIndex] = job; else head = job;
    tail = job;
}

SWIFT_CC(swift) void swift_task_enqueueMainExecutorImpl(SwiftJob *job) { swift_task_enqueueGlobalImpl(job); }

SWIFT_CC(swift) void swift_task_enqueueGlobalWithDelayImpl(SwiftJobDelay delay, SwiftJob *job) {
    (void)delay; (void)job;
    swiftlet_panic("a delayed job (Task.sleep) was enqueued; use the Timers device", SWIFTLET_EXIT_FATAL);
}

SWIFT_CC(swift) void swift_task_enqueueGlobalWithDeadlineImpl(long long sec, long long nsec, long long tsec,
                                                              long long tnsec, int clock, SwiftJob *job) {
    (void)sec; (void)nsec; (void)tsec; (void)tnsec; (void)clock; (void)job;
    swiftlet_panic("a job with a deadline (Task.sleep) was enqueued; use the Timers device", SWIFTLET_EXIT_FATAL);
}

SWIFT_CC(swift) void swift_task_checkIsolatedImpl(SwiftExecutorRef executor) { (void)executor; }

SWIFT_CC(swift) int8_t swift_task_isIsolatingCurrentContextImpl(SwiftExecutorRef executor) {
    (void)executor;
    return -1;  /* unknown: let the runtime decide */
}

SWIFT_CC(swift) SwiftExecutorRef swift_task_getMainExecutorImpl(void) { return swift_executor_generic(); }

SWIFT_CC(swift) bool swift_task_isMainExecutorImpl(SwiftExecutorRef executor) { return swift_executor_isGeneric(executor); }

SWIFT_CC(swift) void swift_task_asyncMainDrainQueueImpl(void) {
    swiftlet_panic("async main is not used on the kvm target (the generated main starts a task)", SWIFTLET_EXIT_FATAL);
}

SWIFT_CC(swift) void swift_task_donateThreadToGlobalExecutorUntilImpl(bool (*condition)(void *), void *context) {
    while (!condition(context)) {
        if (!swiftlet_run_jobs()) swiftlet_panic("waiting for a condition with no job ready", SWIFTLET_EXIT_FATAL);
    }
}

int swiftlet_jobs_ready(void) { return head != 0; }

size_t swiftlet_run_jobs(void) {
    size_t ran = 0;
    while (head && ran < 4096) {  /* then devices get a turn even if jobs keep enqueuing jobs */
        SwiftJob *job = head;
        head = job->schedulerPrivate[SwiftJobNextWaitingTaskIndex];
        if (!head) tail = 0;
        swift_job_run(job, swift_executor_generic());
        ran++;
    }
    return ran;
}
