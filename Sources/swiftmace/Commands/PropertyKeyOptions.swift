// SwiftMACE, MIT licence.
// The label-key options shared by every command that reads data (mace-torch's names and defaults).

import ArgumentParser
import Atoms

struct PropertyKeyOptions: ParsableArguments {
    @Option(name: .customLong("energy_key"), help: "Info key of the reference energy (eV).")
    var energyKey = PropertyKeys.defaultEnergy

    @Option(name: .customLong("forces_key"), help: "Per-atom key of the reference forces (eV/Å).")
    var forcesKey = PropertyKeys.defaultForces

    @Option(name: .customLong("stress_key"), help: "Info key of the reference stress (eV/Å³).")
    var stressKey = PropertyKeys.defaultStress

    @Option(name: .customLong("virials_key"), help: "Info key of the reference virials (eV).")
    var virialsKey = PropertyKeys.defaultVirials

    var propertyKeys: PropertyKeys {
        PropertyKeys(energy: energyKey, forces: forcesKey, stress: stressKey, virials: virialsKey)
    }
}
