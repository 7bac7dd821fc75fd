using DistillService.Core.Data;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Caching;

/// <summary>What a cache write produced: its manifest, the fidelity over every split, and the bytes on disk.</summary>
public sealed record CacheWriteResult(CacheManifest Manifest, CacheFidelity Fidelity, long TotalBytes);

/// <summary>
/// Runs a teacher once over each image of the given splits (un-augmented) and writes its top-k soft outputs as a
/// cache folder (<see cref="CacheFormat"/>), measuring the cache's fidelity on every pixel it stores.
/// </summary>
public static class TeacherCacheWriter
{
    /// <summary>
    /// Writes the cache into <c>{directory}.tmp-{guid}</c> and renames it to <paramref name="directory"/> once
    /// complete; a cancelled or failed write leaves nothing at <paramref name="directory"/>. A finished cache of
    /// the same identity and spec already there is replaced. Same teacher and data give identical bytes.
    /// </summary>
    /// <param name="progress">Called after each batch with (images done, images in all splits).</param>
    /// <param name="fidelityTemperature">Also measure the fidelity at this distillation temperature (see <see cref="CacheFidelity"/>).</param>
    public static CacheWriteResult Write(
        nn.Module<Tensor, Tensor> teacher,
        IReadOnlyDictionary<string, ISegmentationDataset> splits,
        CacheSpec spec,
        CacheIdentity identity,
        string directory,
        Device device,
        int batchSize,
        Action<int, int>? progress,
        CancellationToken cancellationToken,
        double? fidelityTemperature = null) =>
        Write(teacher, splits, spec, identity, directory, device, batchSize, progress, CacheFormat.MaxShardBytes, cancellationToken,
            fidelityTemperature);

    /// <summary>As the public overload, with a smaller shard limit so tests can exercise several shards.</summary>
    internal static CacheWriteResult Write(
        nn.Module<Tensor, Tensor> teacher,
        IReadOnlyDictionary<string, ISegmentationDataset> splits,
        CacheSpec spec,
        CacheIdentity identity,
        string directory,
        Device device,
        int batchSize,
        Action<int, int>? progress,
        long maxShardBytes,
        CancellationToken cancellationToken,
        double? fidelityTemperature = null)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var shape = CacheWriteShape.Of(splits, spec, identity);
        var target = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        CacheDirectory.RemoveLeftovers(target);
        var temp = CacheDirectory.NewTempPath(target);
        Directory.CreateDirectory(temp);
        try
        {
            var manifest = Encode(teacher, splits, shape, spec, identity, temp, device, batchSize, progress, maxShardBytes, cancellationToken,
                fidelityTemperature, out var shardBytes);
            var manifestBytes = CacheManifestJson.Serialize(manifest);
            using (var file = new FileStream(Path.Combine(temp, CacheFormat.ManifestFileName), FileMode.CreateNew, FileAccess.Write))
            {
                file.Write(manifestBytes);
                file.Flush(flushToDisk: true);
            }
            var manifestHash = CacheManifestJson.Hash(manifestBytes);
            File.WriteAllText(Path.Combine(temp, CacheFormat.ManifestHashFileName), manifestHash);
            cancellationToken.ThrowIfCancellationRequested();
            CacheDirectory.Publish(temp, target, manifest);
            return new CacheWriteResult(manifest, manifest.Fidelity, shardBytes + manifestBytes.Length + manifestHash.Length);
        }
        catch
        {
            CacheDirectory.TryDelete(temp);
            throw;
        }
    }

    private static CacheManifest Encode(
        nn.Module<Tensor, Tensor> teacher,
        IReadOnlyDictionary<string, ISegmentationDataset> splits,
        CacheWriteShape shape,
        CacheSpec spec,
        CacheIdentity identity,
        string folder,
        Device device,
        int batchSize,
        Action<int, int>? progress,
        long maxShardBytes,
        CancellationToken cancellationToken,
        double? fidelityTemperature,
        out long shardBytes)
    {
        var total = splits.Values.Sum(s => s.Count);
        var done = 0;
        var entryLength = CacheFormat.EntryLength(spec, shape.NumClasses, shape.Height, shape.Width);
        var denseBytes = 4L * shape.NumClasses * shape.Height * shape.Width;
        var valueBytes = (int)CacheFormat.ProbabilityLength(spec.TopK, shape.StoredHeight, shape.StoredWidth, spec.Precision);
        var indexBytes = (int)CacheFormat.IndexLength(spec.TopK, shape.StoredHeight, shape.StoredWidth);
        var packIds = PackedClassIds.Applies(spec.ExactArgmax, shape.NumClasses);
        if (spec.StoresLogits && spec.Precision == CachePrecisions.Q8)
            throw new ArgumentException("q8 stores probabilities in [0, 1]; a logits cache needs fp16 or fp32.", nameof(spec));
        if (spec.ExactArgmax && !CacheSpec.AllowsExactArgmax(spec.Form, spec.Scale, spec.TopK))
            throw new ArgumentException("An exact argmax plane is for top-k caches with topK ≥ 2 at scale 2 or more.", nameof(spec));
        if (spec.StoresLogits && spec.TopK != shape.NumClasses)
            throw new ArgumentException($"A logits cache stores every class: topK must be {shape.NumClasses}, not {spec.TopK}.", nameof(spec));
        var overall = new CacheFidelityMeter();
        var manifestSplits = new SortedDictionary<string, CacheSplit>(StringComparer.Ordinal);

        var wasTraining = teacher.training;
        teacher.eval();
        using var shards = new CacheShardWriter(folder, maxShardBytes);
        try
        {
            using var noGrad = no_grad();
            // Ordinal order makes the shard bytes independent of the dictionary's enumeration order.
            foreach (var name in splits.Keys.Order(StringComparer.Ordinal))
            {
                var dataset = splits[name];
                var meter = new CacheFidelityMeter();
                var entries = new List<CacheEntry>(dataset.Count);
                for (var start = 0; start < dataset.Count; start += batchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var samples = shape.Batch(name, dataset, start, Math.Min(batchSize, dataset.Count - start));
                    using var scope = NewDisposeScope();
                    var (images, _) = SampleBatcher.ToTensors(samples, device);
                    var logits = teacher.forward(images);
                    shape.CheckLogits(logits);
                    var logProbabilities = logits.to(ScalarType.Float32).log_softmax(1);
                    var probabilities = logProbabilities.exp();
                    var (values, indices) = TeacherCacheCodec.Encode(spec.StoresLogits ? logits.to(ScalarType.Float32) : probabilities, spec);
                    // The argmax plane: each pixel's teacher class as its rank in the map a reader decodes at T = 1,
                    // and the classes those ranks name there, which a reader makes the argmax at any temperature.
                    Tensor? ranks = null, enforced = null;
                    if (spec.ExactArgmax)
                    {
                        var atOne = TeacherCacheCodec.Decode(values, indices, shape.NumClasses, shape.Height, shape.Width);
                        ranks = TeacherCacheCodec.ArgmaxRanks(atOne, probabilities.argmax(1));
                        enforced = TeacherCacheCodec.ClassesOfRanks(atOne, ranks);
                    }
                    // Decode what is stored, exactly as a reader will, to measure the cache's real fidelity.
                    Tensor Decoded(double temperature)
                    {
                        if (spec.StoresLogits) return TeacherCacheCodec.DecodeLogits(values, indices, shape.Height, shape.Width).softmax(1);
                        var decoded = TeacherCacheCodec.Decode(values, indices, shape.NumClasses, shape.Height, shape.Width, (float)temperature);
                        return enforced is null ? decoded : TeacherCacheCodec.EnforceArgmax(decoded, enforced);
                    }
                    meter.Add(probabilities, logProbabilities, Decoded(1));
                    if (fidelityTemperature is { } t) meter.AddTempered(logProbabilities, Decoded(t), t);

                    var storedValues = values.cpu().contiguous().bytes;
                    var storedIndices = indices.cpu().contiguous().bytes;
                    var storedRanks = ranks is null ? default : ranks.cpu().contiguous().bytes;
                    var plane = shape.Height * shape.Width;
                    var packedRanks = new byte[spec.ExactArgmax ? ArgmaxPlane.Length(shape.Height, shape.Width) : 0];
                    var packedIds = new byte[packIds ? PackedClassIds.Length(indexBytes) : 0];
                    for (var i = 0; i < samples.Length; i++)
                    {
                        var ids = storedIndices.Slice(i * indexBytes, indexBytes);
                        if (packIds) PackedClassIds.Pack(ids, packedIds);
                        if (ranks is not null) ArgmaxPlane.Pack(storedRanks.Slice(i * plane, plane), packedRanks);
                        entries.Add(shards.Append(name, start + i,
                            storedValues.Slice(i * valueBytes, valueBytes), packIds ? packedIds : ids, packedRanks));
                    }
                    done += samples.Length;
                    progress?.Invoke(done, total);
                }
                overall.Add(meter);
                manifestSplits[name] = new CacheSplit(dataset.Count, entries, meter.Result(entryLength, denseBytes, fidelityTemperature));
            }
            shards.Complete();
        }
        finally
        {
            teacher.train(wasTraining);
        }
        shardBytes = shards.TotalBytes;

        return new CacheManifest(
            CacheFormat.Version, shape.NumClasses, shape.Height, shape.Width, spec.TopK, spec.Precision, spec.Scale,
            shape.StoredHeight, shape.StoredWidth, identity.TeacherJobId, identity.DatasetId, identity.DatasetFingerprint,
            manifestSplits, overall.Result(entryLength, denseBytes, fidelityTemperature), spec.Form, identity.TeacherWeightsSha256,
            spec.ExactArgmax);
    }
}
