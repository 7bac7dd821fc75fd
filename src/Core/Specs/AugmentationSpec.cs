namespace DistillService.Core.Specs;

/// <summary>Geometric training augmentation. The cache job never augments.</summary>
public sealed record AugmentationSpec(
    bool HorizontalFlip = true,
    double MaxShift = 0.1,
    double MaxRotationDegrees = 20,
    double[]? Scale = null);
