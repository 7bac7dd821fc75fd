// Tests share torch's process-wide state (threads, default generator) and measure process RSS,
// so they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
