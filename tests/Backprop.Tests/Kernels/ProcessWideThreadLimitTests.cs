using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// Tests that change process-wide settings. They run in a collection of their own that xunit runs after all the
/// others and alone, so no test running in parallel sees the change.
/// </summary>
[CollectionDefinition(nameof(ProcessWideSettings), DisableParallelization = true)]
public sealed class ProcessWideSettings;

[Collection(nameof(ProcessWideSettings))]
public class ProcessWideThreadLimitTests
{
    [Fact]
    public async Task The_default_applies_where_no_scope_is_and_is_clamped()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 0;
            Assert.Equal(1, Parallelism.MaxThreads); // clamped
            Assert.Equal(1, Parallelism.CurrentMaxThreads);
            using (Parallelism.Limit(3))
                Assert.Equal(3, Parallelism.CurrentMaxThreads); // a scope may raise it, too
            Parallelism.MaxThreads = 2;
            Assert.Equal(2, Parallelism.CurrentMaxThreads);
            Assert.Equal(1, await Task.Run(() => { using (Parallelism.Limit(1)) return Parallelism.CurrentMaxThreads; }));
            Assert.Equal(2, await Task.Run(() => Parallelism.CurrentMaxThreads)); // other flows see the default
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }
}
