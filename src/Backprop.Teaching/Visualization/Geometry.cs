namespace Backprop.Teaching.Visualization;

/// <summary>A point in SVG user units (y grows downwards).</summary>
internal readonly record struct Point(double X, double Y)
{
    public static Point operator +(Point a, Point b) => new(a.X + b.X, a.Y + b.Y);
    public static Point operator -(Point a, Point b) => new(a.X - b.X, a.Y - b.Y);
    public static Point operator *(Point a, double k) => new(a.X * k, a.Y * k);
}

/// <summary>An axis-aligned rectangle; used for collision tests between labels and nodes.</summary>
internal readonly record struct Box(double Left, double Top, double Width, double Height)
{
    public double Right => Left + Width;
    public double Bottom => Top + Height;

    public static Box Around(Point center, double width, double height) =>
        new(center.X - width / 2, center.Y - height / 2, width, height);

    public Box Inflate(double margin) => new(Left - margin, Top - margin, Width + 2 * margin, Height + 2 * margin);

    public bool Intersects(Box other) =>
        Left < other.Right && other.Left < Right && Top < other.Bottom && other.Top < Bottom;

    public bool Contains(Point p) => p.X >= Left && p.X <= Right && p.Y >= Top && p.Y <= Bottom;

    public Box Union(Box other)
    {
        double left = Math.Min(Left, other.Left), top = Math.Min(Top, other.Top);
        return new Box(left, top, Math.Max(Right, other.Right) - left, Math.Max(Bottom, other.Bottom) - top);
    }
}

/// <summary>One cubic Bézier piece of an edge.</summary>
internal readonly record struct CubicSegment(Point Start, Point Control1, Point Control2, Point End)
{
    public Point At(double t)
    {
        double u = 1 - t;
        return Start * (u * u * u) + Control1 * (3 * u * u * t) + Control2 * (3 * u * t * t) + End * (t * t * t);
    }

    /// <summary>The derivative at <paramref name="t"/>: the direction the curve is heading.</summary>
    public Point Tangent(double t)
    {
        double u = 1 - t;
        return (Control1 - Start) * (3 * u * u) + (Control2 - Control1) * (6 * u * t) + (End - Control2) * (3 * t * t);
    }
}
