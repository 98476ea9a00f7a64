// Reports OWL 2 DL profile violations of an ontology file, using the OWL API bundled in owlready2's HermiT.jar.
// Usage: java -cp HermiT.jar DlProfile.java FILE   (prints one violation per line; exit 0 if in OWL 2 DL, 1 if not)
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class DlProfile {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            System.out.println(violation.toString().replace('\n', ' '));
        }
        System.out.println(report.isInProfile() ? "IN OWL 2 DL" : "NOT IN OWL 2 DL");
        System.exit(report.isInProfile() ? 0 : 1);
    }
}
