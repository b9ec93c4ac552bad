// The tray and window icon (32x32 PNG), inline so the bundled main process needs no asset path.
export const ICON_PNG_DATA_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAAeklEQVR42u3XSw6AIBAD0LmXR/HoHkZ3bhC082OIbcIO0gcrRmSQbT9OjyVIvEpVmOjyISKr/BGRXd4g/g2YVX4jNId6SQG8JRTQK7MgRFNu2WMGeO2DAMjN0FdYD4CEAAIIIGANwJdfURSAn9I6g0mJ0azEcDpjPL8A6og5n1etcXQAAAAASUVORK5CYII=';
