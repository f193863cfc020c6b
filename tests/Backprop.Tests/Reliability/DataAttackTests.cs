using System.IO.Compression;
using System.Text;
using Backprop.Data;
using Backprop.Serialization;
using Backprop.Tests.Data;

namespace Backprop.Tests.Reliability;

/// <summary>Data files damaged or crafted the ways the attack found: each is a clear error, in bounded memory.</summary>
public class DataAttackTests
{
    private static byte[] Gzip(string text)
    {
        var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return memory.ToArray();
    }

    private static string Rows(int count) => string.Concat(Enumerable.Range(0, count).Select(i => $"{i % 5}.5,{i % 3},{i % 2}\n"));

    [Theory]
    [InlineData("5000000")]
    [InlineData("2000000000")]
    public void A_huge_label_does_not_size_the_class_count(string label)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => CsvReader.Read(new StringReader($"1,0\n2,{label}\n"), "big.csv"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000);
        Assert.Contains($"label {label} would make", error.Message);
        Assert.Contains("line 2, column 2", error.Message);
    }

    [Fact]
    public void A_large_label_is_accepted_when_the_class_count_is_given()
    {
        var data = CsvReader.Read(new StringReader("1,0\n2,70000\n"), "big.csv", new CsvOptions { NumClasses = 70001 });
        Assert.Equal(70001, data.NumClasses);
    }

    [Fact]
    public void A_non_positive_class_count_option_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CsvReader.Read(new StringReader("1,0\n"), "x.csv", new CsvOptions { NumClasses = 0 }));
    }

    [Fact]
    public void Splitting_costs_nothing_per_empty_class()
    {
        var data = new Dataset("sparse", new float[6], [0, 0, 199_999_999, 199_999_999, 5, 5], [1], 200_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var (train, test) = data.StratifiedSplit(0.5, seed: 3);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
        Assert.Equal(3, test.Count);
        Assert.Equal(3, train.Count);
    }

    [Fact]
    public void A_whole_gzip_file_reads()
    {
        using var dir = new ScratchDirectory();
        string path = dir.File("rows.csv.gz");
        File.WriteAllBytes(path, Gzip(Rows(3000)));
        Assert.Equal(3000, CsvReader.Load(path).Count);
    }

    [Theory]
    [InlineData(8)]   // the trailer alone is missing: every row decompresses
    [InlineData(4)]
    [InlineData(-2)]  // half the file
    public void A_truncated_gzip_file_is_an_error(int cut)
    {
        using var dir = new ScratchDirectory();
        string path = dir.File("rows.csv.gz");
        byte[] whole = Gzip(Rows(3000));
        File.WriteAllBytes(path, whole[..(cut > 0 ? whole.Length - cut : whole.Length / -cut)]);
        var error = Assert.Throws<DataFormatException>(() => CsvReader.Load(path));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void A_truncated_gzip_idx_file_is_an_error()
    {
        using var dir = new ScratchDirectory();
        string path = dir.File("labels.idx1-ubyte.gz");
        IdxFileWriter.WriteLabels(path, Enumerable.Range(0, 5000).Select(i => (byte)(i % 10)).ToArray(), gzip: true);
        byte[] whole = File.ReadAllBytes(path);
        File.WriteAllBytes(path, whole[..^8]);
        Assert.Contains("truncated", Assert.Throws<DataFormatException>(() => IdxReader.LoadLabels(path)).Message);
    }

    [Fact]
    public void A_gzip_idx_header_claiming_a_huge_size_is_refused_before_allocating()
    {
        using var dir = new ScratchDirectory();
        string path = dir.File("images.idx3-ubyte.gz");
        byte[] header = IdxFileWriter.Encode(0x00000803, [60000, 200, 150], []);
        var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(header);
        File.WriteAllBytes(path, memory.ToArray());
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => IdxReader.LoadImages(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Abandoned_temporaries_are_deleted_by_the_next_write_and_live_ones_are_kept()
    {
        using var dir = new ScratchDirectory();
        string target = dir.File("model.safetensors");
        string abandoned = target + ".tmp-0123456789abcdef";
        string held = target + ".tmp-fedcba9876543210";
        string fresh = target + ".tmp-00000000000000ff";
        string foreign = target + ".tmp-notours";
        foreach (string p in new[] { abandoned, held, fresh, foreign }) File.WriteAllText(p, "partial");
        foreach (string p in new[] { abandoned, held, foreign }) File.SetLastWriteTimeUtc(p, DateTime.UtcNow.AddMinutes(-5));
        using (new FileStream(held, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            AtomicFile.WriteAllText(target, "done");
        }
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(held) || OperatingSystem.IsWindows());
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(foreign));
        Assert.Equal("done", File.ReadAllText(target));
    }
}
