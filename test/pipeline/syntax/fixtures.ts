// Jenkinsfiles shared by the syntax tests.

/** The seed pipeline: must parse exactly as it stands. */
export const SEED = `pipeline {
    agent {
        kubernetes {
            yaml """
apiVersion: v1
kind: Pod
spec:
  containers:
  - name: git
    image: alpine/git:latest
    command:
    - cat
    tty: true
"""
        }
    }
    stages {
        stage('Clone Repository') {
            steps { container('git') { sh 'git clone https://github.com/spring-petclinic/spring-framework-petclinic.git .' } }
        }
        stage('Build') { steps { container('maven') { sh 'mvn clean package -DskipTests' } } }
    }
}
`;
