namespace DistillService.Core.Data;

/// <summary>The foreground classes of synthetic-shapes; the value is the class id (0 is background).</summary>
public enum ShapeKind : byte
{
    Disc = 1,
    Ring = 2,
    Square = 3,
    Triangle = 4,
    Bar = 5,
    Cross = 6,
}
