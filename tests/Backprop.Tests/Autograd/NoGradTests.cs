using GradMode = Backprop.Autograd;

namespace Backprop.Tests.Autograd;

/// <summary>
/// The no-grad scope: nothing is recorded inside it; it nests, is restored on dispose, belongs to one logical flow of
/// control (it follows an async method across threads, but other threads and tasks started outside do not see it).
/// </summary>
public class NoGradTests
{
    private static Tensor Leaf() => Tensor.Ones([2], DType.Float64, requiresGrad: true);

    [Fact]
    public void NothingIsRecordedInside()
    {
        var a = Leaf();
        Tensor y;
        using (GradMode.NoGrad())
        {
            Assert.False(GradMode.IsGradEnabled);
            y = (a * 2.0 + a).Exp().Sum();
            var m = Tensor.MatMul(a.Unsqueeze(0), a.Unsqueeze(1));
            Assert.Null(m.GradFn);
            Assert.False(m.RequiresGrad);
        }
        Assert.True(GradMode.IsGradEnabled);
        Assert.Null(y.GradFn);
        Assert.False(y.RequiresGrad);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.True(a.RequiresGrad); // the leaf itself is unchanged
    }

    [Fact]
    public void ScopesNestAndRestoreOnDispose()
    {
        var a = Leaf();
        Assert.True(GradMode.IsGradEnabled);
        var outer = GradMode.NoGrad();
        var inner = GradMode.NoGrad();
        Assert.False(GradMode.IsGradEnabled);
        inner.Dispose();
        Assert.False(GradMode.IsGradEnabled); // still inside the outer scope
        Assert.Null((a * 2.0).GradFn);
        outer.Dispose();
        Assert.True(GradMode.IsGradEnabled);
        Assert.NotNull((a * 2.0).GradFn);
    }

    [Fact]
    public void RestoredWhenTheScopeIsLeftByAnException()
    {
        try
        {
            using var _ = GradMode.NoGrad();
            throw new InvalidTimeZoneException("leave the scope");
        }
        catch (InvalidTimeZoneException)
        {
        }
        Assert.True(GradMode.IsGradEnabled);
        Assert.NotNull((Leaf() * 2.0).GradFn);
    }

    [Fact]
    public void AnotherThreadInsideAtTheSameTimeIsUnaffected()
    {
        // Both threads are inside their regions at once (the barrier): one in a no-grad scope, the other recording.
        using var barrier = new Barrier(2);
        bool? noGradThreadRecorded = null, otherThreadRecorded = null;
        bool? noGradThreadEnabled = null, otherThreadEnabled = null;
        var noGrad = new Thread(() =>
        {
            using (GradMode.NoGrad())
            {
                barrier.SignalAndWait();
                noGradThreadEnabled = GradMode.IsGradEnabled;
                noGradThreadRecorded = (Leaf() * 2.0).GradFn is not null;
                barrier.SignalAndWait();
            }
        });
        var other = new Thread(() =>
        {
            barrier.SignalAndWait();
            otherThreadEnabled = GradMode.IsGradEnabled;
            otherThreadRecorded = (Leaf() * 2.0).GradFn is not null;
            barrier.SignalAndWait();
        });
        noGrad.Start();
        other.Start();
        Assert.True(noGrad.Join(TimeSpan.FromSeconds(30)));
        Assert.True(other.Join(TimeSpan.FromSeconds(30)));
        Assert.False(noGradThreadEnabled);
        Assert.False(noGradThreadRecorded);
        Assert.True(otherThreadEnabled);
        Assert.True(otherThreadRecorded);
    }

    [Fact]
    public async Task FlowsAcrossAwaitOntoAnotherThread()
    {
        // After Task.Yield, the method resumes on a brand-new thread (ResumeOnNewThread): a [ThreadStatic] flag would
        // be lost there; the scope, being part of the async flow, must follow.
        var a = Leaf();
        int before = Environment.CurrentManagedThreadId;
        int after;
        bool enabledAfterAwait;
        Tensor y;
        using (GradMode.NoGrad())
        {
            await Task.Yield();
            Assert.False(GradMode.IsGradEnabled);
            await new ResumeOnNewThread();
            after = Environment.CurrentManagedThreadId;
            enabledAfterAwait = GradMode.IsGradEnabled;
            y = a * 2.0;
        }
        Assert.NotEqual(before, after); // the premise: the scope really did continue on another thread
        Assert.False(enabledAfterAwait);
        Assert.Null(y.GradFn);
        Assert.True(GradMode.IsGradEnabled);
        Assert.NotNull((a * 2.0).GradFn);
    }

    /// <summary>An awaitable that continues the awaiting method on a new thread (the async machinery carries the flow's context).</summary>
    private readonly struct ResumeOnNewThread : System.Runtime.CompilerServices.INotifyCompletion
    {
        public ResumeOnNewThread GetAwaiter() => this;
        public bool IsCompleted => false;
        public void OnCompleted(Action continuation) => new Thread(() => continuation()) { IsBackground = true }.Start();
        public void GetResult() { }
    }

    [Fact]
    public async Task AsyncScopeDoesNotLeakIntoATaskStartedOutside()
    {
        // A task started before the scope is entered runs concurrently with it and must keep recording.
        using var entered = new SemaphoreSlim(0);
        using var checkedIt = new SemaphoreSlim(0);
        var outside = Task.Run(async () =>
        {
            await entered.WaitAsync();
            bool enabled = GradMode.IsGradEnabled;
            bool recorded = (Leaf() * 2.0).GradFn is not null;
            checkedIt.Release();
            return (enabled, recorded);
        });

        using (GradMode.NoGrad())
        {
            await Task.Yield();
            entered.Release();
            Assert.True(await checkedIt.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.False(GradMode.IsGradEnabled);
        }
        var (enabled, recorded) = await outside;
        Assert.True(enabled);
        Assert.True(recorded);
    }

    [Fact]
    public async Task AScopeInsideAnAsyncMethodDoesNotLeakToItsCaller()
    {
        // An async method that enters a scope and returns without disposing it: the caller's flow is unaffected.
        static async Task EnterAndForget()
        {
            GradMode.NoGrad();
            await Task.Yield();
            Assert.False(GradMode.IsGradEnabled);
        }
        await EnterAndForget();
        Assert.True(GradMode.IsGradEnabled);
    }

    [Fact]
    public void ArgMaxAndGreaterRecordNothing()
    {
        var a = Tensor.FromArray(new[] { 1.0, 3, 2 });
        a.RequiresGrad = true;
        Assert.Null(a.ArgMax().GradFn);
        var mask = a.Greater(1.5);
        Assert.Null(mask.GradFn);
        Assert.Equal(new[] { 0.0, 1, 1 }, mask.ToDoubleArray());
        Assert.True(GradMode.IsGradEnabled);
    }

    // Ending a scope sets the flow's context from before it back when nothing else changed it since (no allocation);
    // a value written inside the scope by other code must survive, and a suppressed flow falls back to writing.

    [Fact]
    public void A_value_set_inside_the_scope_by_other_code_survives_its_end()
    {
        var other = new AsyncLocal<int>();
        using (GradMode.NoGrad())
            other.Value = 5;
        Assert.True(GradMode.IsGradEnabled);
        Assert.Equal(5, other.Value);
        other.Value = 0;
    }

    [Fact]
    public void Scopes_end_right_while_the_flow_is_suppressed()
    {
        using (ExecutionContext.SuppressFlow())
        {
            using (GradMode.NoGrad())
            {
                Assert.False(GradMode.IsGradEnabled);
                using (GradMode.NoGrad()) Assert.False(GradMode.IsGradEnabled);
                Assert.False(GradMode.IsGradEnabled);
            }
            Assert.True(GradMode.IsGradEnabled);
        }
        Assert.True(GradMode.IsGradEnabled);
    }

    [Fact]
    public async Task A_scope_ended_after_an_await_ends_in_the_flow()
    {
        using (GradMode.NoGrad())
        {
            await Task.Yield();
            Assert.False(GradMode.IsGradEnabled);
        }
        Assert.True(GradMode.IsGradEnabled);
        await Task.Yield();
        Assert.True(GradMode.IsGradEnabled);
    }

    [Fact]
    public void Ending_a_scope_allocates_nothing()
    {
        for (int i = 0; i < 10; i++) using (GradMode.NoGrad()) { }
        long start = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) using (GradMode.NoGrad()) { }
        long perScope = (GC.GetAllocatedBytesForCurrentThread() - start) / 1000;
        // Entering writes the depth: one execution context, its map and the boxed depth (96 bytes on .NET 10). Ending
        // it by writing the old depth back cost as much again.
        Assert.True(perScope <= 120, $"a no-grad scope allocated {perScope} bytes");
    }
}
