// ShapesData
