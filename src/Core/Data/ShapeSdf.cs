namespace DistillService.Core.Data;

/// <summary>
/// Signed distances (pixels; negative inside) of the synthetic shapes in their own frame, for a size
/// parameter s. Proportions give every kind roughly the same area (2–3 s²), so size is no cue.
/// Polygons use the max of edge distances: exact inside and near edges, which is all anti-aliasing needs.
/// </summary>
internal static class ShapeSdf
{
    /// <summary>No shape reaches further than this many s from its centre.</summary>
    public const double Reach = 1.7;

    private static readonly double Sqrt3Over2 = Math.Sqrt(3) / 2;

    public static double Distance(ShapeKind kind, double u, double v, double s) => kind switch
    {
        ShapeKind.Disc => Math.Sqrt(u * u + v * v) - s,
        // Outer radius s, hole radius 0.5 s.
        ShapeKind.Ring => Math.Abs(Math.Sqrt(u * u + v * v) - 0.75 * s) - 0.25 * s,
        ShapeKind.Square => Box(u, v, 0.85 * s, 0.85 * s),
        ShapeKind.Triangle => Triangle(u, v, 1.35 * s),
        ShapeKind.Bar => Box(u, v, 1.6 * s, 0.35 * s),
        ShapeKind.Cross => Math.Min(Box(u, v, 1.1 * s, 0.3 * s), Box(u, v, 0.3 * s, 1.1 * s)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a shape kind."),
    };

    private static double Box(double u, double v, double halfWidth, double halfHeight) =>
        Math.Max(Math.Abs(u) - halfWidth, Math.Abs(v) - halfHeight);

    /// <summary>Equilateral triangle with circumradius r (so each edge is r/2 from the centre).</summary>
    private static double Triangle(double u, double v, double r)
    {
        // Outward edge normals at 270°, 30° and 150°.
        var bottom = -v;
        var right = Sqrt3Over2 * u + 0.5 * v;
        var left = -Sqrt3Over2 * u + 0.5 * v;
        return Math.Max(bottom, Math.Max(right, left)) - 0.5 * r;
    }
}
