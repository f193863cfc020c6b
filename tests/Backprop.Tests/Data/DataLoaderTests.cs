using Backprop.Data;

namespace Backprop.Tests.Data;

public sealed class DataLoaderTests
{
    /// <summary>n samples of shape [3]: sample i is (i, i + 0.5, −i), label i mod 4.</summary>
    private static Dataset Numbered(int n)
    {
        var features = new float[3 * n];
        for (int i = 0; i < n; i++)
        {
            (features[3 * i], features[3 * i + 1], features[3 * i + 2]) = (i, i + 0.5f, -i);
        }
        return new Dataset("numbered", features, Enumerable.Range(0, n).Select(i => i % 4).ToArray(), [3], 4);
    }

    /// <summary>One epoch as (features, labels) arrays per batch, copied so that buffer reuse cannot hide errors.</summary>
    private static List<(float[] Features, int[] Labels, int[] Shape)> Epoch(DataLoader<(Tensor Features, Tensor Label)> loader) =>
        loader.Select(batch => (batch.Features.ToFloatArray(), batch.Label.ToArray<int>(), batch.Features.Shape.ToArray())).ToList();

    /// <summary>The sample numbers of a Numbered batch: its first feature.</summary>
    private static IEnumerable<int> Rows((float[] Features, int[] Labels, int[] Shape) batch) =>
        Enumerable.Range(0, batch.Labels.Length).Select(b => (int)batch.Features[3 * b]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EverySampleExactlyOncePerEpochWithMatchingContents(bool prefetch)
    {
        Dataset data = Numbered(23);
        var loader = new DataLoader<(Tensor Features, Tensor Label)>(data, batchSize: 5, shuffle: new Generator(1), prefetch: prefetch);
        var batches = Epoch(loader);

        Assert.Equal(5, loader.BatchesPerEpoch);
        Assert.Equal(new[] { 5, 5, 5, 5, 3 }, batches.Select(b => b.Labels.Length));
        Assert.Equal(Enumerable.Range(0, 23), batches.SelectMany(Rows).Order());
        foreach (var batch in batches)
        {
            Assert.Equal(new[] { batch.Labels.Length, 3 }, batch.Shape);
            int b = 0;
            foreach (int row in Rows(batch))
            {
                Assert.Equal(data.GetSample(row).ToArray(), batch.Features[(3 * b)..(3 * b + 3)]);
                Assert.Equal(data.Labels[row], batch.Labels[b]);
                b++;
            }
        }
    }

    [Fact]
    public void BatchesDeconstructIntoFloatFeaturesAndInt32Labels()
    {
        foreach (var (x, y) in new DataLoader<(Tensor, Tensor)>(Numbered(8), 4))
        {
            Assert.Equal((DType.Float32, DType.Int32), (x.DType, y.DType));
            Assert.Equal([4, 3], x.Shape.ToArray());
            Assert.Equal([4], y.Shape.ToArray());
        }
    }

    [Fact]
    public void WithoutGeneratorTheOrderIsTheDatasetOrder()
    {
        var loader = new DataLoader<(Tensor Features, Tensor Label)>(Numbered(7), batchSize: 3);
        Assert.Equal(Enumerable.Range(0, 7), Epoch(loader).SelectMany(Rows));
    }

    [Fact]
    public void OrderIsReproducibleFromTheSeedAndChangesEachEpoch()
    {
        Dataset data = Numbered(50);
        var first = new DataLoader<(Tensor Features, Tensor Label)>(data, 8, shuffle: new Generator(42));
        var second = new DataLoader<(Tensor Features, Tensor Label)>(data, 8, shuffle: new Generator(42));
        int[] epoch1 = Epoch(first).SelectMany(Rows).ToArray();
        int[] epoch2 = Epoch(first).SelectMany(Rows).ToArray();

        Assert.Equal(epoch1, Epoch(second).SelectMany(Rows));
        Assert.NotEqual(epoch1, epoch2);
        Assert.NotEqual(Enumerable.Range(0, 50), epoch1);
    }

    [Fact]
    public void RestoringTheGeneratorStateReproducesTheNextEpoch()
    {
        Dataset data = Numbered(40);
        var generator = new Generator(3);
        var loader = new DataLoader<(Tensor Features, Tensor Label)>(data, 16, shuffle: generator);
        Epoch(loader);
        ulong[] checkpoint = generator.GetState();
        int[] expected = Epoch(loader).SelectMany(Rows).ToArray();

        var resumed = new DataLoader<(Tensor Features, Tensor Label)>(data, 16, shuffle: Generator.FromState(checkpoint));
        Assert.Equal(expected, Epoch(resumed).SelectMany(Rows));
    }

    [Fact]
    public void PrefetchYieldsTheSameBatchesAsSequential()
    {
        Dataset data = Numbered(101);
        var sequential = Epoch(new DataLoader<(Tensor Features, Tensor Label)>(data, 10, shuffle: new Generator(9)));
        var prefetched = Epoch(new DataLoader<(Tensor Features, Tensor Label)>(data, 10, shuffle: new Generator(9), prefetch: true));
        Assert.Equal(sequential.Count, prefetched.Count);
        for (int i = 0; i < sequential.Count; i++)
        {
            Assert.Equal(sequential[i].Features, prefetched[i].Features);
            Assert.Equal(sequential[i].Labels, prefetched[i].Labels);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DropLastLeavesOutTheSmallBatch(bool prefetch)
    {
        var loader = new DataLoader<(Tensor Features, Tensor Label)>(Numbered(23), 5, shuffle: new Generator(4), dropLast: true, prefetch: prefetch);
        var batches = Epoch(loader);
        Assert.Equal((4, 20L), (loader.BatchesPerEpoch, loader.SamplesPerEpoch));
        Assert.All(batches, b => Assert.Equal(5, b.Labels.Length));
        Assert.Equal(20, batches.SelectMany(Rows).Distinct().Count());
    }

    [Fact]
    public void SequentialEpochReusesTheFullBatchTensors()
    {
        // The loader writes each batch into the same tensors, so the values seen are those of the last full batch.
        var tensors = new DataLoader<(Tensor Features, Tensor Label)>(Numbered(12), 4).Select(batch => batch.Features).ToArray();
        Assert.Same(tensors[0], tensors[1]);
        Assert.Same(tensors[1], tensors[2]);
        Assert.Equal(8, tensors[0][0, 0]);
    }

    [Fact]
    public void AGraphKeptPastTheNextBatchRefusesToBackward()
    {
        // The batch tensors are reused: a graph that saved last batch's inputs must not silently use the new ones.
        var w = Tensor.FromArray(new float[] { 1, 2, 3 }, 3, 1);
        w.RequiresGrad = true;
        Tensor? kept = null;
        foreach (var (x, _) in new DataLoader<(Tensor, Tensor)>(Numbered(8), 4))
        {
            kept ??= x.MatMul(w).Sum();
        }
        Assert.Contains("DataLoader", Assert.Throws<InvalidOperationException>(() => kept!.Backward()).Message);
    }

    [Fact]
    public void PrefetchNeverOverwritesTheCurrentBatch()
    {
        Dataset data = Numbered(64);
        using var batches = new DataLoader<(Tensor Features, Tensor Label)>(data, 4, shuffle: new Generator(6), prefetch: true).GetEnumerator();
        while (batches.MoveNext())
        {
            var current = batches.Current;
            float[] features = current.Features.ToFloatArray();
            int[] labels = current.Label.ToArray<int>();
            Thread.Sleep(1); // give the worker time to (wrongly) overwrite it
            Assert.Equal(features, current.Features.ToFloatArray());
            Assert.Equal(labels, current.Label.ToArray<int>());
        }
    }

    [Fact]
    public void WorkerExceptionIsRethrownFromMoveNext()
    {
        var loader = new DataLoader<(Tensor Features, Tensor Label)>(Numbered(20), 5, prefetch: true)
        {
            OnFillingBatch = k => { if (k == 2) throw new InvalidOperationException("disk on fire"); },
        };
        using var batches = loader.GetEnumerator();
        Assert.True(batches.MoveNext());
        Assert.True(batches.MoveNext());
        var error = Assert.Throws<InvalidOperationException>(() => batches.MoveNext());
        Assert.Equal("disk on fire", error.Message);
        Assert.False(batches.MoveNext());
    }

    [Fact]
    public void BreakingOutOfAPrefetchingEpochStopsTheWorker()
    {
        var loader = new DataLoader<(Tensor Features, Tensor Label)>(Numbered(1000), 10, prefetch: true);
        foreach (var batch in loader)
        {
            break;
        }
        // A second full epoch after the abandoned one still works.
        Assert.Equal(1000, Epoch(loader).Sum(b => b.Labels.Length));
    }

    [Fact]
    public void EmptyDatasetYieldsNoBatches()
    {
        var empty = new Dataset("empty", [], [], [3], 2);
        Assert.Empty(Epoch(new DataLoader<(Tensor Features, Tensor Label)>(empty, 4, prefetch: true)));
        Assert.Empty(Epoch(new DataLoader<(Tensor Features, Tensor Label)>(empty, 4)));
    }

    /// <summary>The Numbered samples behind a plain indexer, so the loader must read them one by one and collate.</summary>
    private sealed class ByIndex(Dataset data) : IDataset<(Tensor, Tensor)>
    {
        public int Count => data.Count;
        public (Tensor, Tensor) this[int index] => data[index];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CollatingSamplesGivesTheSameBatchesAsGatheringRows(bool prefetch)
    {
        Dataset data = Numbered(37);
        var a = new DataLoader<(Tensor, Tensor)>(data, 8, shuffle: new Generator(5)).Select(b => (b.Item1.ToFloatArray(), b.Item2.ToArray<int>())).ToList();
        var b = new DataLoader<(Tensor, Tensor)>(new ByIndex(data), 8, shuffle: new Generator(5), prefetch: prefetch).Select(b => (b.Item1.ToFloatArray(), b.Item2.ToArray<int>())).ToList();
        Assert.Equal(5, b.Count);
        Assert.Equal(a.Select(x => x.Item1), b.Select(x => x.Item1)); // arrays compared element by element
        Assert.Equal(a.Select(x => x.Item2), b.Select(x => x.Item2));
    }

    [Fact]
    public void TensorDatasetYieldsAnyDtype()
    {
        // Int32 token sequences [N, 4] with float regression targets [N, 2]: rows 0..5 of each, in order.
        var tokens = Tensor.FromArray(Enumerable.Range(0, 24).ToArray(), 6, 4);
        var targets = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray(), 6, 2);
        var data = TensorDataset.Create(tokens, targets);
        Assert.Equal(6, data.Count);
        var (t3, y3) = data[3];
        Assert.Equal([12, 13, 14, 15], t3.ToArray<int>());
        Assert.Equal([3f, 3.5f], y3.ToFloatArray());

        Assert.Equal(2, new DataLoader<(Tensor, Tensor)>(data, 4).Count());
        foreach (var (t, y) in new DataLoader<(Tensor, Tensor)>(data, 6))
        {
            Assert.Equal((DType.Int32, DType.Float32), (t.DType, y.DType));
            Assert.Equal(tokens.ToArray<int>(), t.ToArray<int>());
            Assert.Equal(targets.ToFloatArray(), y.ToFloatArray());
        }
    }

    [Fact]
    public void TensorDatasetRefusesTensorsOfDifferentLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => TensorDataset.Create(Tensor.Zeros(5, 2), Tensor.Zeros(4)));
        Assert.Contains("tensor 1 [4] has 4 samples, but tensor 0 [5, 2] has 5", e.Message);
    }

    [Fact]
    public void ACustomCollateMakesBatchesOfAnyForm()
    {
        var data = TensorDataset.Create(Tensor.FromArray(new float[] { 1, 2, 3, 4, 5 }, 5));
        var loader = DataLoader.Create(data, 2, samples => samples.Sum(s => s.Item()));
        Assert.Equal([3.0, 7.0, 5.0], loader.ToArray());
    }

    [Fact]
    public void SamplesWithoutADefaultCollateAreRefusedWithTheWayOut()
    {
        var e = Assert.Throws<ArgumentException>(() => new DataLoader<string>(new Strings(), 2));
        Assert.Contains("no default collate", e.Message);
        Assert.Contains("DataLoader.Create", e.Message);
    }

    private sealed class Strings : IDataset<string>
    {
        public int Count => 3;
        public string this[int index] => "s" + index;
    }

    [Fact]
    public void CollateRefusesSamplesOfDifferentShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Collate.Stack([Tensor.Zeros(3), Tensor.Zeros(4)]));
        Assert.Contains("sample 1 is float32 [4], but sample 0 is float32 [3]", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AStreamOfRandomWindowsIsReproducibleFromItsGenerator(bool prefetch)
    {
        int[] text = Enumerable.Range(100, 50).ToArray();
        var windows = new RandomWindows(text, blockSize: 8);
        var loader = new DataLoader<(Tensor Input, Tensor Target)>(windows, batchSize: 4, batchesPerEpoch: 3, new Generator(11), prefetch);
        var epoch = loader.Select(b => (b.Input.ToArray<int>(), b.Target.ToArray<int>(), b.Input.Shape.ToArray())).ToList();

        Assert.Equal(3, epoch.Count);
        foreach (var (input, target, shape) in epoch)
        {
            Assert.Equal([4, 8], shape);
            for (int w = 0; w < 4; w++)
            {
                int start = input[8 * w] - 100;
                // Each window is consecutive tokens, and its target is the window shifted by one token.
                Assert.Equal(text[start..(start + 8)], input[(8 * w)..(8 * w + 8)]);
                Assert.Equal(text[(start + 1)..(start + 9)], target[(8 * w)..(8 * w + 8)]);
            }
        }
        var again = new DataLoader<(Tensor Input, Tensor Target)>(windows, 4, 3, new Generator(11)).Select(b => b.Input.ToArray<int>()).ToList();
        Assert.Equal(epoch.Select(e => e.Item1), again);
    }

    [Fact]
    public void RandomWindowsNeedAGeneratorAndEnoughTokens()
    {
        Assert.Throws<ArgumentException>(() => new RandomWindows([1, 2, 3], 3));
        var loader = new DataLoader<(Tensor, Tensor)>(new RandomWindows([1, 2, 3, 4], 3), 2, 1);
        Assert.Throws<ArgumentNullException>(() => loader.First());
    }
}
