//! The 32 federal entities of Mexico (31 states and Mexico City), by their ISO 3166-2:MX codes:
//! the only values the partner directory accepts for "states served". Pure data.

use serde::Serialize;

/// A federal entity: code (ISO 3166-2:MX without the `MX-` prefix) and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FederalEntity {
    /// e.g. `JAL`.
    pub code: &'static str,
    /// e.g. `Jalisco`.
    pub name: &'static str,
}

const fn e(code: &'static str, name: &'static str) -> FederalEntity {
    FederalEntity { code, name }
}

/// All 32, in alphabetical order of their names.
pub const FEDERAL_ENTITIES: [FederalEntity; 32] = [
    e("AGU", "Aguascalientes"),
    e("BCN", "Baja California"),
    e("BCS", "Baja California Sur"),
    e("CAM", "Campeche"),
    e("CHP", "Chiapas"),
    e("CHH", "Chihuahua"),
    e("CMX", "Ciudad de México"),
    e("COA", "Coahuila de Zaragoza"),
    e("COL", "Colima"),
    e("DUR", "Durango"),
    e("MEX", "Estado de México"),
    e("GUA", "Guanajuato"),
    e("GRO", "Guerrero"),
    e("HID", "Hidalgo"),
    e("JAL", "Jalisco"),
    e("MIC", "Michoacán de Ocampo"),
    e("MOR", "Morelos"),
    e("NAY", "Nayarit"),
    e("NLE", "Nuevo León"),
    e("OAX", "Oaxaca"),
    e("PUE", "Puebla"),
    e("QUE", "Querétaro"),
    e("ROO", "Quintana Roo"),
    e("SLP", "San Luis Potosí"),
    e("SIN", "Sinaloa"),
    e("SON", "Sonora"),
    e("TAB", "Tabasco"),
    e("TAM", "Tamaulipas"),
    e("TLA", "Tlaxcala"),
    e("VER", "Veracruz de Ignacio de la Llave"),
    e("YUC", "Yucatán"),
    e("ZAC", "Zacatecas"),
];

/// Finds an entity by code, with or without the `MX-` prefix, in any case (`jal`, `MX-JAL`).
pub fn entity(code: &str) -> Option<FederalEntity> {
    let c = code.trim();
    let c = c
        .get(..3)
        .filter(|p| p.eq_ignore_ascii_case("mx-"))
        .map_or(c, |_| &c[3..]);
    FEDERAL_ENTITIES
        .iter()
        .find(|e| e.code.eq_ignore_ascii_case(c))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_32_distinct_entities() {
        let mut codes: Vec<_> = FEDERAL_ENTITIES.iter().map(|e| e.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 32);
    }

    #[test]
    fn codes_are_found_with_or_without_prefix() {
        assert_eq!(entity("JAL").unwrap().name, "Jalisco");
        assert_eq!(entity("mx-nle").unwrap().name, "Nuevo León");
        assert_eq!(entity(" cmx ").unwrap().code, "CMX");
        assert!(entity("XX").is_none());
        assert!(entity("MX-").is_none());
        assert!(entity("").is_none());
        assert!(entity("é").is_none());
    }
}
