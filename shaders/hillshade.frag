// MapLibre's hillshade shading of precomputed slopes (RG = slope / 2 + 0.5), "standard" method by
// default; basic, combined and igor follow the same published formulas.
in vec2 v_pos;
uniform sampler2D u_image;
uniform vec2 u_latrange;   // north, south latitude of the tile
uniform vec2 u_light;      // exaggeration, azimuth (radians)
uniform vec4 u_shadow;
uniform vec4 u_highlight;
uniform vec4 u_accent;
uniform int u_method;      // 0 standard, 1 combined, 2 igor, 4 basic
uniform float u_alt;       // illumination altitude (radians)
out vec4 fragColor;
#define PI 3.141592653589793

float aspect_of(vec2 deriv) {
    return deriv.x != 0.0 ? atan(deriv.y, -deriv.x) : PI / 2.0 * (deriv.y > 0.0 ? 1.0 : -1.0);
}

float lambert(vec2 deriv, float azimuth) {
    // cosine of the angle between the surface normal and the light, up to the slope normalisation
    float ca = cos(azimuth);
    float sa = sin(azimuth);
    return (sin(u_alt) - (deriv.y * ca * cos(u_alt) - deriv.x * sa * cos(u_alt))) / sqrt(1.0 + dot(deriv, deriv));
}

void main() {
    vec2 deriv = texture(u_image, v_pos).rg * 2.0 - 1.0;
    // Mercator stretches distances by 1 / cos(latitude): slopes are steeper than the pixels suggest.
    float lat = (u_latrange.x - u_latrange.y) * (1.0 - v_pos.y) + u_latrange.y;
    deriv /= cos(radians(lat));
    // The light's azimuth counts from north like the spec; the formulas expect it half a turn on.
    float azimuth = u_light.y + PI;
    if (u_method == 4) {
        float shade = clamp(lambert(deriv, azimuth), 0.0, 1.0);
        fragColor = mix(u_shadow, u_highlight, shade) * abs(2.0 * shade - 1.0);
    } else if (u_method == 1) {
        float cang = clamp(acos(lambert(deriv, azimuth)), 0.0, PI / 2.0);
        float steep = atan(length(deriv)) * 4.0 / PI / PI;
        fragColor = u_shadow * cang * steep + u_highlight * (PI / 2.0 - cang) * steep;
    } else if (u_method == 2) {
        float strength = atan(length(deriv)) * 2.0 / PI;
        float facing = 1.0 - abs(mod((aspect_of(deriv) + azimuth) / PI + 0.5, 2.0) - 1.0);
        fragColor = u_shadow * strength * facing + u_highlight * strength * (1.0 - facing);
    } else {
        float slope = atan(1.25 * length(deriv));
        float intensity = u_light.x;
        // Exaggeration bends the slope exponentially (like the spec's exponential interpolation),
        // so stronger values give more opaque shading; 0.5 leaves it as is.
        float base = 1.875 - intensity * 1.75;
        float maxv = 0.5 * PI;
        float scaled = intensity != 0.5 ? ((pow(base, slope) - 1.0) / (pow(base, maxv) - 1.0)) * maxv : slope;
        float weight = clamp(intensity * 2.0, 0.0, 1.0);
        vec4 accent = (1.0 - cos(scaled)) * u_accent * weight;
        float shade = abs(mod((aspect_of(deriv) + azimuth) / PI + 0.5, 2.0) - 1.0);
        vec4 shade_color = mix(u_shadow, u_highlight, shade) * sin(scaled) * weight;
        fragColor = accent * (1.0 - shade_color.a) + shade_color;
    }
}
