using Backprop.NN;
using Backprop.Tests.Kernels;

namespace Backprop.Tests.Tensors;

// Generator.Default is process-wide: these tests run alone, after every other test.
[Collection(nameof(ProcessWideSettings))]
public class DefaultGeneratorTests
{
    [Fact]
    public void Manual_seed_then_construction_is_reproducible_and_equals_an_explicit_generator()
    {
        Generator.ManualSeed(42);
        var a = new Sequential(new Linear(3, 5), new ReLU(), new Linear(5, 2), new Dropout(0.5));
        Generator.ManualSeed(42);
        var b = new Sequential(new Linear(3, 5), new ReLU(), new Linear(5, 2), new Dropout(0.5));
        // The same seed given explicitly to each layer in turn draws the same stream.
        var explicitGenerator = new Generator(42);
        var c = new Sequential(new Linear(3, 5, explicitGenerator), new ReLU(), new Linear(5, 2, explicitGenerator), new Dropout(0.5, explicitGenerator));
        foreach (var other in new[] { b, c })
            Assert.Equal(a.StateDict().Select(e => e.Value.ToFloatArray()), other.StateDict().Select(e => e.Value.ToFloatArray()));
        var da = (Dropout)a[3];
        Assert.Equal(da.Generator.GetState(), ((Dropout)b[3]).Generator.GetState());
        Assert.Equal(da.Generator.GetState(), ((Dropout)c[3]).Generator.GetState());

        // Without a reseed the next model differs: the stream moved on.
        var d = new Linear(3, 5);
        Assert.NotEqual(((Linear)a[0]).Weight.ToFloatArray(), d.Weight.ToFloatArray());
    }

    [Fact]
    public void Manual_seed_reseeds_the_same_instance()
    {
        var held = Generator.Default;
        Generator.ManualSeed(7);
        Assert.Same(held, Generator.Default);
        Assert.Equal(new Generator(7).NextUInt64(), held.NextUInt64());
    }

    [Fact]
    public void Random_tensors_and_initialisers_use_the_default_when_no_generator_is_given()
    {
        Generator.ManualSeed(3);
        var r = Tensor.Randn([4, 3]);
        var u = Init.KaimingUniform(Tensor.Zeros(4, 3));
        var g = new Generator(3);
        Assert.Equal(Tensor.Randn([4, 3], g).ToFloatArray(), r.ToFloatArray());
        Assert.Equal(Init.KaimingUniform(Tensor.Zeros(4, 3), g).ToFloatArray(), u.ToFloatArray());
    }

    [Fact]
    public void Concurrent_draws_from_the_default_lose_and_repeat_nothing()
    {
        // Independent reference: the first 4 × 20,000 outputs of a fresh generator with the same seed. With the lock,
        // four threads drawing at once consume exactly that run between them (in some interleaving); without it, racing
        // updates of the state repeat some outputs and skip others.
        const int threads = 4, perThread = 20_000;
        Generator.ManualSeed(99);
        var drawn = new ulong[threads][];
        using (var start = new Barrier(threads))
        {
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                var mine = new ulong[perThread];
                start.SignalAndWait();
                for (int i = 0; i < perThread; i++) mine[i] = Generator.Default.NextUInt64();
                drawn[t] = mine;
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
        }
        var reference = new Generator(99);
        var stream = Enumerable.Range(0, threads * perThread).Select(_ => reference.NextUInt64()).ToArray();
        Assert.Equal(stream.Order(), drawn.SelectMany(d => d).Order());
        // Each thread's own values come in stream order: its draws were whole steps of the one sequence.
        var position = stream.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i);
        Assert.All(drawn, d => Assert.True(d.Select(v => position[v]).Zip(d.Skip(1).Select(v => position[v])).All(p => p.First < p.Second)));
    }

    [Fact]
    public void A_bulk_fill_from_the_default_is_one_contiguous_run_of_the_stream()
    {
        Generator.ManualSeed(5);
        var filled = new float[3][];
        Parallel.For(0, 3, i =>
        {
            var v = new float[50_000];
            Generator.Default.FillUniform(v);
            filled[i] = v;
        });
        // Whatever the order the fills ran in, each is one of the three consecutive runs a fresh generator gives.
        var reference = new Generator(5);
        var runs = Enumerable.Range(0, 3).Select(_ => { var v = new float[50_000]; reference.FillUniform(v); return v; }).ToList();
        Assert.All(filled, f => Assert.Contains(runs, r => r.AsSpan().SequenceEqual(f)));
        Assert.Equal(3, filled.Select(f => runs.FindIndex(r => r.AsSpan().SequenceEqual(f))).Distinct().Count());
    }
}
