namespace DistillService.Core.Caching;

/// <summary>
/// Stored top-k teacher entries of a batch in managed memory: <see cref="Values"/> (probabilities, as float) and
/// <see cref="Classes"/> (class ids), both laid out [N, k, h, w] like the cache.
/// </summary>
public sealed record CompactTeacherBatch(int Count, int NumClasses, int TopK, int Height, int Width, float[] Values, byte[] Classes);
