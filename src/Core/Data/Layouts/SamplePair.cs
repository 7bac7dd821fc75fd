namespace DistillService.Core.Data.Layouts;

/// <summary>An image and its mask, as absolute paths.</summary>
public sealed record SamplePair(string Image, string Mask);
